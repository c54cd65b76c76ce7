"""Nodes marked as the selection (pasted) are dragged together, as one undo step (group_drag_scenario.py, real
mouse and keys on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_pasted_nodes_are_dragged_together_and_a_click_picks_one() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.group_drag_scenario")
    pasted = result["pasted"]
    assert len(pasted) == 2, result
    assert all(result["moved_by"][n] == [120, 60] for n in pasted), result  # the one dragged and the other
    assert result["edits"] == 1, result  # one move, one undo step
    assert result["selection_after_drag"] == pasted, result  # still the selection: Delete, Ctrl+C act on both
    assert result["selection_after_click"] == [pasted[0]], result  # a click (no drag): that one alone
    assert all(result["unmoved_by_click"].values()), result
    assert all(result["undone"].values()), result  # Ctrl+Z puts both back
