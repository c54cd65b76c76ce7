"""Enter adds a palette type only after the palette's search field was typed in: not when the focus came back to
it by itself, after Ctrl+A with a slot combo of the inspector open, a type added from it with Enter before or not
(combo_enter_scenario.py, real key and mouse events in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_enter_after_a_combo_was_left_open_adds_no_node() -> None:
    result = run_scenario("tests.editor.combo_enter_scenario")
    assert len(result["typed"]) == 1, result  # Enter in the search field, typed in, adds its first type
    assert result["inspector"] == "map", result
    assert result["list_open"], result  # the click aimed at the slot opened its list
    assert result["added"] == [], result  # it added the search's first type: a gate again
