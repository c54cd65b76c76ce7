"""A click on an item of a menu-bar menu open over the canvas is the menu's alone, however late the release's handler
runs and wherever the mouse went since (menubar_click_scenario.py: real mouse events, in a subprocess on the test
display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_on_a_menu_bar_item_over_the_canvas_leaves_the_selection() -> None:
    result = run_scenario("tests.editor.menubar_click_scenario")
    assert result["item_over_canvas"] and result["menu_open"] and not result["menu_open_after"], result
    assert result["menu_open_after_wheel"] and result["wheel_moved"] == [0, 0], result  # not the canvas's notch
    assert result["minimap_toggled"], result  # the menu's item took the click
    # The release was taken for a click on empty canvas too: the selection was cleared.
    assert result["selection"] == result["selection_before"] == ["inbox", "library", "log"], result
