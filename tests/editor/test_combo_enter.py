"""Enter adds a palette type only after the palette's search field was typed in: not when the focus came back to
it by itself, after Ctrl+A with a slot combo of the inspector open (combo_enter_scenario.py, real key and mouse
events in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_enter_after_a_combo_was_left_open_adds_no_node() -> None:
    result = run_scenario("tests.editor.combo_enter_scenario")
    assert result["inspector"] == "map", result
    assert result["added"] == [], result  # it added a folder_source, the palette's first type
