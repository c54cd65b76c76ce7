"""A problem clicked in the problems panel brings its node into view (problem_click_scenario.py, real mouse events
in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_problem_clicked_brings_its_node_into_view() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.problem_click_scenario")
    assert any("required parameter 'folder' is missing" in row for row in result["rows"]), result
    assert not result["visible_before"], result  # far off the view at first
    assert result["shown"] == "inbox", result
    assert result["visible"], result
    x0, y0, x1, y1 = result["node"]
    left, top, width, height = result["canvas"]
    assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, result
    assert result["position_kept"], result  # the view moved, not the node
