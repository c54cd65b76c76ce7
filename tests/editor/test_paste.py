"""Ctrl+C, Ctrl+V and Delete through real key events: what is pasted is the selection, and the node that was
clicked before is not any more; the same for a problem clicked in the panel under the patch (paste_scenario.py,
in a subprocess on the test display)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.paste_scenario")


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_a_node_pasted_after_clicking_another_is_the_selection(result: dict[str, Any]) -> None:
    assert result["clicked"] == ["gate"], result
    assert result["pasted"] == ["gate_2"], result
    assert result["selection"] == ["gate_2"] and result["inspector"] == "gate_2", result
    assert result["after_delete"] == [] and result["gate_kept"], result  # Delete took the pasted one, not the gate


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_a_problem_clicked_while_a_node_is_selected_shows_its_own_node(result: dict[str, Any]) -> None:
    assert result["clicked_again"] == "gate", result
    assert result["problem_shows"] == "folder_source", result  # not the gate again a frame later
