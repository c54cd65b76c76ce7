"""A click on a node menu's item is the menu's alone: the canvas under it takes no click, even when the release
handler runs after the menu has gone (menu_click_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_on_the_menus_copy_over_another_node_leaves_the_selection_and_the_inspector() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.menu_click_scenario")
    assert result["copy_over_below"] and not result["menu_shown_while_held"], result
    assert result["copied"] == ["top"], result
    # The release was taken for a click on empty canvas: the selection and the inspector were cleared.
    assert result["selection"] == ["top"] and result["inspector"] == "top", result
