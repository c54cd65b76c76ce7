""""nothing selected: the clipboard is kept" ends when a node is selected (kept_status_scenario.py, real key and
mouse events in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from exsampling_patch.editor.app import KEPT
from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_the_clipboard_kept_message_ends_when_a_node_is_selected() -> None:
    result = run_scenario("tests.editor.kept_status_scenario")
    assert result["selected_before"] == [], result
    assert KEPT in result["after_copy"], result
    assert result["selected"] == ["map"], result
    assert KEPT not in result["after_click"], result  # it stayed, next to the node now selected
    assert "copied 1 node" in result["after_second_copy"] and KEPT not in result["after_second_copy"], result
