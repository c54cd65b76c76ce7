"""A node of a missing type (its plugin not installed) lists the parameters it keeps within its width, so that it
does not cover the next node, each whole in its tooltip (placeholder_scenario.py, real mouse events in a
subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.placeholder_scenario import SAMPLES
from tests.editor.test_keys import run_scenario
from tests.editor.test_node_width import MAX_WIDTH


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.placeholder_scenario")


@pytest.mark.display
def test_a_placeholder_keeps_to_its_width(result: dict[str, Any]) -> None:
    assert set(result["widths"]) == {"inbox", "grains", "log"}, result
    assert result["widths"]["grains"] <= MAX_WIDTH and not result["overlap"], result
    assert result["lines"]["mix"] == "mix: 0.5", result  # a short one whole
    assert result["lines"]["samples"].startswith("samples: /home/composer/") and result["lines"]["samples"].endswith(
        "..."), result


@pytest.mark.display
def test_a_cut_parameter_is_whole_in_its_tooltip(result: dict[str, Any]) -> None:
    assert "samples" in result["tips"] and "mix" not in result["tips"], result
    assert not result["tip_visible_before"] and result["tip_visible"], result
    assert result["tip_text"] == f"samples: {SAMPLES}", result
    # A margin round the text, as any tooltip has (on a node, imnodes had left it none: the text ran past the box).
    assert min(result["tip_margin"]) >= 4, result


@pytest.mark.display
def test_a_long_tables_tooltip_stays_inside_the_window(result: dict[str, Any]) -> None:
    for where in ("node_table_tip", "inspector_table_tip"):
        box = result[where]
        assert box is not None, result  # shown
        top, bottom, lines = box
        assert top >= 0 and bottom <= result["window_h"], (where, box)
        assert lines > 10, (where, box)  # rows of the table, not one long line


@pytest.mark.display
def test_the_remove_button_beside_a_long_value_is_in_reach(result: dict[str, Any]) -> None:
    assert result["shown"] == "grains", result
    assert result["remove_right"] <= result["inspector_right"], result
