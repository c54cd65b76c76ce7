"""Clicks and wheel notches taken where the mouse was in their frame, however late their handlers run
(late_mouse_scenario.py: real mouse events with Dear PyGui's callback thread held up, in a subprocess on the test
display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_or_wheel_notch_is_taken_where_the_mouse_was_not_where_it_moved_on_to() -> None:
    result = run_scenario("tests.editor.late_mouse_scenario")
    assert result["mouse_then"] == result["mouse_live"], result  # the move handler's point is the mouse's
    assert result["canvas_under_spot"] and not result["canvas_under_away"], result
    assert result["wheel_moved"] == [0, -80], result  # panned: the notch was over the canvas
    assert result["right_click"] == {"node_menu": True, "node": "log", "add_popup": False}, result
    assert result["shown_before_empty_click"] == "log", result
    assert result["shown_after_empty_click"] is None, result  # a click on empty canvas clears the inspector
    assert result["shown_after_field_click"] == "library", result  # a click on it, not a drag
