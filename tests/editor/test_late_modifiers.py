"""Ctrl and Shift read as they were when the key was pressed (the wheel turned, the button let go), however late the
handler runs (late_modifiers_scenario.py: real key and mouse events with Dear PyGui's callback thread held up, in a
subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario

TOLD = "no sampler is running"  # what a slot key says on the Performance tab of a patch not running


@pytest.mark.display
def test_ctrl_or_shift_let_go_or_pressed_before_a_late_key_or_mouse_handler_runs() -> None:
    result = run_scenario("tests.editor.late_modifiers_scenario")
    assert (result["threshold_before"], result["threshold_set"]) == (0.47, 0.123), result
    assert result["threshold_after_ctrl_z"] == 0.47, result  # Ctrl+Z undid, though Ctrl was up when it was handled
    assert result["threshold_after_ctrl_shift_z"] == 0.123, result  # redone: Shift as it was, not a second undo
    assert result["compact_toggled_by_c"], result  # C, not Ctrl+C: Ctrl was pressed after it
    assert result["shift_wheel_up_moved"] == [80, 0], result  # sideways: Shift as it was at the wheel's notch
    assert result["selected_by_ctrl_click"], result
    assert result["selected_after_late_ctrl_click"] == ["first"], result  # Ctrl+click took it out, not made it alone
    assert result["told_after_2"] == TOLD, result  # 2 taken as a slot key, not Ctrl+2
