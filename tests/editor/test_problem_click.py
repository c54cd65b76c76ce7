"""A problem clicked in the problems panel brings its node into view (problem_click_scenario.py, real mouse events
in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
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


def test_a_problem_clicked_before_any_frame_shows_its_node(built_app: EditorApp) -> None:
    """Its node drawn but no frame rendered yet (no viewport here): Dear PyGui gives it no rect, it is not visible,
    and the view pans to it. reveal() no longer catches an exception there: none comes."""
    app = built_app
    node_id = app.add_node("folder_source", (4000, 3000))  # far off the view, its folder missing
    assert node_id is not None
    app.refresh_problems()
    index = next(i for i, p in enumerate(app._problems) if f"node '{node_id}'" in p.message)
    pan = app.patch_view.pan
    assert app.select_problem(index) == node_id
    assert app.inspector.node_id == node_id and app.patch_view.pan != pan, (app.inspector.node_id, pan)
    assert dpg.get_item_pos(f"node:{node_id}")[0] < 4000  # the view moved towards it
