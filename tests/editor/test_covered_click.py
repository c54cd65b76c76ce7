"""A click in the save-as dialog or the message window, over a node of the canvas, leaves that node unselected
(covered_click_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_click_in_a_window_over_a_node_does_not_select_it() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.covered_click_scenario")
    assert result["in_dialog"] and result["in_message"], result  # the click was over the node, in the window
    assert result["dialog_selection"] == [] and result["dialog_inspector"] is None, result
    assert result["message_selection"] == [] and result["message_inspector"] is None, result
    assert result["bare_selection"] == ["library"], result
