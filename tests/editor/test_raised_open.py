"""A patch opened with a node hidden for its first frame (raised: it failed at its start) is fitted once that node
is drawn too (raised_open_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_patch_opened_with_a_raised_node_is_fitted_with_that_node_drawn() -> None:
    """Before, the opening's fit went ahead once any node was drawn: the raised one counted as a point, the row was
    centred as if 200 px narrower, and that node was cut off at the canvas's right edge (its right edge at 1057 of
    993), the status bar saying nothing."""
    result: dict[str, Any] = run_scenario("tests.editor.raised_open_scenario")
    left, top, width, height = result["canvas"]
    assert sorted(result["rects"]) == sorted(result["nodes"]), result  # every node drawn
    for x0, y0, x1, y1 in result["rects"].values():
        assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, result
    assert "larger than the view" not in result["status"], result
