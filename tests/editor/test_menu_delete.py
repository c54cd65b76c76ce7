"""The node menu's Delete takes what the Delete key takes: the selected links with the selected nodes
(menu_delete_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario

LINK = "inbox.take -> library.take"


@pytest.mark.display
def test_the_menus_delete_takes_the_selected_links_too_and_one_undo_brings_them_back() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.menu_delete_scenario")
    assert result["box_nodes"] and result["box_links"] == [LINK], result  # the box took spare and the link
    assert result["nodes_after_delete"] == ["inbox", "library"], result
    assert result["links_after_delete"] == [], result  # the menu's Delete left it: only nodes went
    assert result["status_after_delete"] == "deleted 1 node and 1 link", result
    assert result["nodes_after_undo"] == ["inbox", "library", "spare"], result
    assert result["links_after_undo"] == [LINK], result
    # A right click on a node outside the selection makes it the selection alone, links dropped, as a left click.
    assert result["clicked_links"] == [LINK] and result["links_on_menu"] == [], result
    assert result["nodes_after_second"] == ["inbox", "library"], result
    assert result["links_after_second"] == [LINK], result
