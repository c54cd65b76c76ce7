"""A click on a node drawn over another selects the one on top (overlap_click_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_on_a_node_over_another_is_the_top_ones() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.overlap_click_scenario")
    assert result["title_over_under"] and result["hovered"] == ["over"], result
    # The first node in the patch under the mouse was taken: the click selected the node drawn under the one
    # clicked (a paste's original), the inspector showed it and Delete took it.
    assert result["selection"] == ["over"] and result["inspector"] == "over", result
    assert result["menu_for"] == "over", result
    assert result["left"] == ["under"], result
