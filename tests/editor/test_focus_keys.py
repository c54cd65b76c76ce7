"""A key let go while another window has the keyboard focus is not held for the editor: its next press is a new one
(focus_keys_scenario.py, real key events and focus moves in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario

TOLD = "no sampler is running"  # what a slot key says on the Performance tab of a patch not running


@pytest.mark.display
def test_a_key_released_while_the_window_had_no_focus_presses_again() -> None:
    result = run_scenario("tests.editor.focus_keys_scenario")
    assert result["tapped"] == TOLD and result["pressed"] == TOLD, result
    # The window lost the focus: the key is down on the display, and Dear PyGui forgot it, telling no release.
    assert result["x_down_unfocused"] and not result["editor_down_unfocused"], result
    assert not result["x_down_refocused"], result
    assert result["pressed_again"] == TOLD, result  # it read as the held key's repeat, and played nothing
