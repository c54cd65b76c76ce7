"""A node added from the canvas's right-click menu appears under the mouse, however the canvas was panned."""

from __future__ import annotations

import pytest

from tests.editor.scenario_worker import run_scenario


@pytest.mark.display
def test_a_node_added_at_the_mouse_lands_there_after_panning() -> None:
    result = run_scenario("tests.editor.spawn_scenario")
    assert result["pan_moved"][0] >= 150 and result["pan_moved"][1] >= 80, result  # the canvas really was panned
    (mx, my), (nx, ny) = result["mouse"], result["node_corner"]
    assert abs(nx - mx) <= 2 and abs(ny - my) <= 2, result  # the node's corner is where the mouse was
