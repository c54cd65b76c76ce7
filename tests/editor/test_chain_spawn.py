"""Types clicked one after the other in the palette land in view and clear of each other (chain_scenario.py,
real clicks in a subprocess on the test display)."""

from __future__ import annotations

import pytest

from tests.editor.chain_scenario import CHAIN
from tests.editor.scenario_worker import run_scenario


@pytest.mark.display
def test_a_chain_clicked_in_the_palette_lands_in_view_and_uncovered() -> None:
    result = run_scenario("tests.editor.chain_scenario")
    left, top, width, height = result["canvas"]
    nodes = result["nodes"]
    assert sorted(nodes) == sorted(CHAIN), result
    for node_id, (x0, y0, x1, y1, visible) in nodes.items():
        assert visible and left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, (node_id, result)
    boxes = list(nodes.items())
    for i, (a, (ax0, ay0, ax1, ay1, _)) in enumerate(boxes):
        for b, (bx0, by0, bx1, by1, _) in boxes[i + 1:]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, (a, b, result)  # no node covers another
