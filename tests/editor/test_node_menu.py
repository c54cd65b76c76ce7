"""A right click on a node opens the node menu (Rename..., Duplicate, Delete, Copy), each edit undone by Ctrl+Z;
a right click on empty canvas still opens the add-node pop-up (node_menu_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_right_click_on_a_node_offers_its_menu_and_each_edit_undoes() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.node_menu_scenario")
    assert result["menu_on_node"] and not result["popup_on_node"], result
    assert result["items"] == ["Rename...", "Duplicate", "Delete", "Copy"], result
    assert not result["menu_after_delete"], result
    assert result["after_delete"] == ["inbox", "log"] and result["links_after_delete"] == 0, result
    assert result["after_undo"] == ["inbox", "library", "log"] and result["links_after_undo"], result
    assert result["menu_title"] == "2 nodes", result  # right-clicked in a selection: the menu is for all of it
    assert result["duplicated_types"] == ["folder_source", "take_writer"], result
    assert result["after_duplicate_undo"] == ["inbox", "library", "log"], result
    assert result["copied"] == ["inbox"], result
    assert result["inspector_on_rename"] == "log", result
    # Typed into the id field, then Enter: the old id was selected, so the new one replaced it (else "logsink").
    assert result["after_rename"] == ["inbox", "library", "sink"], result
    assert not result["menu_after_escape"], result
    assert result["popup_on_canvas"] and not result["menu_on_canvas"], result
