"""The add-node pop-up (right click on the canvas), through real clicks and keys: its search has the keyboard
when it opens, starts empty each time, lists only what matches, Enter adds the first match, and the pop-up
lies inside the window even when opened near its edge."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.add_popup import MARGIN, popup_rect
from tests.editor.test_keys import run_scenario


def test_the_popup_is_placed_and_sized_to_lie_inside_the_window() -> None:
    assert popup_rect((100, 100), (1280, 1000)) == (100, 100, 260, 420)  # room: at the mouse
    x, y, w, h = popup_rect((1270, 990), (1280, 1000))  # at the bottom right corner: moved back inside
    assert (x + w, y + h) == (1280 - MARGIN, 1000 - MARGIN)
    x, y, w, h = popup_rect((10, 10), (300, 200))  # a small window: made smaller to fit
    assert x >= 0 and y >= 0 and x + w <= 300 and y + h <= 200


@pytest.fixture(scope="module")
def popup() -> dict[str, Any]:
    """One run of the scenario, read by each test below."""
    return run_scenario("tests.editor.add_popup_scenario")


@pytest.mark.display
def test_right_click_type_and_enter_add_the_first_match(popup: dict[str, Any]) -> None:
    result = popup
    assert result["shown"] and result["inside"], result  # opened near the bottom edge, yet inside the window
    assert result["typed"] == "log", result  # the keys went to the search field: it had the focus
    assert result["listed"] == result["expected"] and "log" in result["expected"], result  # filtered as typed
    assert result["added"] == [result["expected"][0]] and result["hidden_after_enter"], result
    assert result["search_again"] == "", result  # the last search is gone
    assert result["listed_again"] == result["all_types"], result  # the whole list again
    assert result["inside_again"] and result["typed_again"] == "zzzz", result


def whole(drawn: list[list[float]]) -> bool:
    (left, top, right, bottom), *nodes = drawn
    return bool(nodes) and all(left <= x0 and top <= y0 and x1 <= right and y1 <= bottom for x0, y0, x1, y1 in nodes)


@pytest.mark.display
def test_a_node_added_near_the_canvas_edge_is_drawn_whole(popup: dict[str, Any]) -> None:
    result = popup
    assert whole(result["drawn"]), result  # right-clicked near the bottom edge: moved up, not cut off
    assert whole(result["drawn_right"]), result  # near the right edge: moved left


@pytest.mark.display
def test_a_node_added_below_another_near_the_bottom_edge_covers_it_not() -> None:
    result = run_scenario("tests.editor.crowded_edge_scenario")
    left, top, width, height = result["canvas"]
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = (result["nodes"][result[n]] for n in ("first", "second"))
    assert left <= bx0 and top <= by0 and bx1 <= left + width and by1 <= top + height, result  # drawn whole
    assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, result  # and over no other node
