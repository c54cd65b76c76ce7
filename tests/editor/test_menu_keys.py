"""Keys pressed while a menu of the menu bar is open are the menu's: Delete, Backspace and Ctrl+A act on no node
(menu_keys_scenario.py, real key and mouse events in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_delete_backspace_and_ctrl_a_with_the_edit_menu_open_leave_the_patch_alone() -> None:
    result = run_scenario("tests.editor.menu_keys_scenario")
    assert result["selected"] == ["map"] and result["open"], result
    every = result["nodes_after_delete"]
    assert "map" in every, result  # Delete took the node selected behind the menu
    assert result["nodes_after_backspace"] == every and result["nodes_after_ctrl_a"] == every, result
    assert result["selected_after_ctrl_a"] == ["map"], result  # not every node
    assert result["open_after_keys"], result
    # Closed, the menu leaves the keys to the patch again.
    assert not result["open_after_second_click"] and not result["map_after_closed_delete"], result
