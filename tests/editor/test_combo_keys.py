"""Keys pressed while a combo's list of the inspector is open are the list's: Delete, Backspace and Ctrl+A act on no
node (combo_keys_scenario.py, real key and mouse events in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_delete_backspace_and_ctrl_a_in_an_open_slot_list_leave_the_patch_alone() -> None:
    result = run_scenario("tests.editor.combo_keys_scenario")
    assert result["inspector"] == "map", result
    every = result["nodes_after_delete"]
    assert "map" in every, result  # Delete took the node whose slot list was open
    assert result["nodes_after_backspace"] == every and result["nodes_after_ctrl_a"] == every, result
    assert result["selected_after_ctrl_a"] == ["map"], result  # not every node
    # The list stayed open through the keys: its second entry, clicked, is the row's slot now.
    assert result["slot_before"] == result["slots"][0], result
    assert result["slot_after"] == result["slots"][1], result
