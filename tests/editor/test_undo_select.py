"""Ctrl+Z after Delete selects the nodes it brings back; Ctrl+X cuts (undo_scenario.py, real keys on the test
display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.undo_scenario")


@pytest.mark.display
def test_undoing_a_delete_selects_the_nodes_it_brings_back(result: dict[str, Any]) -> None:
    assert result["clicked"] == ["gate"] and result["deleted"] and result["restored"], result
    assert result["selection"] == ["gate"] and result["marked"] and result["inspector"] == "gate", result
    assert result["deleted_again"], result  # the next Delete takes it again
    assert result["pair_deleted"], result
    assert result["pair_selection"] == result["pair"] and result["pair_marked"] == [True, True], result
    assert result["after_empty_click"] == [], result


@pytest.mark.display
def test_ctrl_x_cuts_and_ctrl_v_puts_the_node_back(result: dict[str, Any]) -> None:
    assert result["cut_gone"] and result["cut_status"] == "cut 1 node", result
    assert result["menu_cut"] == "Ctrl+X", result
    assert result["cut_pasted"] == ["gate"] and result["cut_params_kept"], result  # its own id: it was free
    assert result["cut_undone"] == ["gate"] and result["cut_undo_status"] == "undid cut", result


@pytest.mark.display
def test_ctrl_a_selects_every_node(result: dict[str, Any]) -> None:
    assert result["all_selected"] and result["all_status"] == "selected 11 nodes", result
    assert result["all_deleted"] == [] and result["all_back_selected"], result


@pytest.mark.display
def test_nodes_and_links_deleted_together_come_back_with_one_undo(result: dict[str, Any]) -> None:
    assert result["box_nodes"] == ["pitch", "trim"] and result["box_links"] > 0, result
    assert result["box_deleted"].startswith("deleted 2 nodes and "), result
    assert result["box_undo_status"] == "undid delete" and result["box_links_back"], result
    assert result["box_selection"] == ["pitch", "trim"], result
