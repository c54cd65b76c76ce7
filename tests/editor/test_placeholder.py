"""A node of a missing type (its plugin not installed) lists the parameters it keeps within its width, so that it
does not cover the next node, each whole in its tooltip (placeholder_scenario.py, real mouse events in a
subprocess on the test display)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.editor.placeholder_scenario import SAMPLES
from tests.editor.test_keys import run_scenario
from tests.editor.test_node_width import MAX_WIDTH


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.placeholder_scenario")


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_a_placeholder_keeps_to_its_width(result: dict[str, Any]) -> None:
    assert set(result["widths"]) == {"inbox", "grains", "log"}, result
    assert result["widths"]["grains"] <= MAX_WIDTH and not result["overlap"], result
    assert result["lines"]["mix"] == "mix: 0.5", result  # a short one whole
    assert result["lines"]["samples"].startswith("samples: /home/composer/") and result["lines"]["samples"].endswith(
        "..."), result


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_a_cut_parameter_is_whole_in_its_tooltip(result: dict[str, Any]) -> None:
    assert "samples" in result["tips"] and "mix" not in result["tips"], result
    assert not result["tip_visible_before"] and result["tip_visible"], result
    assert result["tip_text"] == f"samples: {SAMPLES}", result
