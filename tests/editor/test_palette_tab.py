"""A palette click on the Performance tab shows the Patch tab and the node added (palette_tab_scenario.py, real
clicks on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_node_added_from_the_performance_tab_is_shown_on_the_patch_tab() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.palette_tab_scenario")
    assert result["perf_shown"] and result["added"] == ["relay"], result
    assert not result["perf_shown_after"] and result["visible"] == [True], result
    assert result["selection"] == ["relay"], result
    (x0, y0, x1, y1), (left, top, width, height) = result["node_rect"], result["canvas"]
    assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, result
