"""The compact node display shows a 40-node patch at once (issue 17: no zoom in Dear PyGui's node editor), through
real key and mouse events (compact_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_c_shows_a_forty_node_patch_whole_in_compact_nodes() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.compact_scenario")
    assert result["nodes"] == 40
    assert result["full_in_view"] < 40, result  # at full size it does not fit (the test's premise)
    assert result["compact"] and result["compact_in_view"] == 40 and not result["compact_overlap"], result
    assert result["compact_title"] == "normalize_1" and not result["status_shown"], result  # id and pins only
    assert result["compact_height"] <= result["full_height"], result
    assert result["moved_by"] == [80.0, 60.0], result  # a 40x30 drag at half scale moves the patch's node 80x60
    # Full size again: the title is the id alone, which names the type already (patch_view.node_label).
    assert not result["compact_after"] and result["full_title"] == "normalize_1", result
    assert result["undo_moves_back"], result
