"""Ctrl+C, Ctrl+V and Delete through real key events: what is pasted is the selection, and the node that was
clicked before is not any more; the same for a problem clicked in the panel under the patch (paste_scenario.py,
in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.paste_scenario")


@pytest.mark.display
def test_a_node_pasted_after_clicking_another_is_the_selection(result: dict[str, Any]) -> None:
    assert result["clicked"] == ["gate"], result
    assert result["pasted"] == ["gate_2"], result
    assert result["selection"] == ["gate_2"] and result["inspector"] == "gate_2", result
    assert result["after_delete"] == [] and result["gate_kept"], result  # Delete took the pasted one, not the gate


@pytest.mark.display
def test_a_problem_clicked_while_a_node_is_selected_shows_its_own_node(result: dict[str, Any]) -> None:
    assert result["clicked_again"] == "gate", result
    assert result["problem_shows"] == "folder_source", result  # not the gate again a frame later


@pytest.mark.display
def test_pasted_after_panning_away_the_nodes_land_in_view_apart(result: dict[str, Any]) -> None:
    assert len(result["far_pasted"]) == 2 and result["far_visible"] == [True, True], result
    left, top, width, height = result["canvas"]
    for x0, y0, x1, y1 in result["far_rects"]:
        assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, result
    (_, _, _, first_bottom), (_, second_top, _, _) = result["far_rects"]
    assert second_top >= first_bottom, result  # the second below the first, not on it
    assert result["far_selection"] == result["far_pasted"][1:], result


@pytest.mark.display
def test_ctrl_c_or_ctrl_x_with_nothing_selected_keeps_the_clipboard(result: dict[str, Any]) -> None:
    assert result["nothing_selected"] == [], result
    assert result["stray_copy_status"] == "nothing selected: the clipboard is kept", result
    assert result["pasted_after_stray_copy"] == ["confidence_gate"], result
    assert result["stray_cut_status"] == "nothing selected: the clipboard is kept", result
    assert result["pasted_after_stray_cut"] == ["confidence_gate"], result
