"""Arrows, Home, F, Space+drag and the mouse wheel move the view in a real window (real key and mouse events); the
patch stays."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_keys_and_space_drag_find_the_way() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.nav_scenario")
    (x0, y0), (x1, y1), (x2, y2) = result["start"], result["after_right"], result["after_shift_down"]
    assert (x1 - x0, y1 - y0) == (-120, 0), result  # Right looks right: the drawing moves left
    assert (x2 - x1, y2 - y1) == (0, -480), result  # Shift+Down: four steps up
    height = result["visible"][3]
    cx, cy = result["canvas_corner"]
    corners = result["after_home"].values()
    # Home: the patch is wider than the view: its left edge a margin from the canvas's (within the 8 px by
    # which the canvas's corner is known); it is not as high: centred, all in view
    assert min(x for x, _ in corners) == pytest.approx(cx + 30, abs=10), result
    assert all(cy <= y <= cy + height - 60 for _, y in corners), result
    # Opened in a window that shows part of it, the patch is fitted (as Home does) and the status bar says how to
    # see the rest (there is no zoom).
    assert result["opened"] == result["after_home"], result
    assert "larger than the view" in result["home_status"], result  # Home says so too, not only opening
    assert "larger than the view" in result["opened_status"] and "Home" in result["opened_status"], result
    fx, fy = result["framed_centre"]
    ccx, ccy = result["canvas_centre"]
    assert abs(fx - ccx) <= 10 and abs(fy - ccy) <= 10, result  # F: the selected node in the middle
    assert result["space_drag_moved"] == [150, 80], result  # Space+drag pans, no middle button
    assert result["wheel_down_moved"] == [0, -80], result  # the wheel pans: down looks down, the drawing goes up
    assert result["shift_wheel_up_moved"] == [80, 0], result  # Shift: sideways
    assert result["wheel_over_inspector_moved"] == [0, 0], result
    assert result["positions_kept"] and not result["dirty"], result  # the view moved, not the nodes
    assert result["menu"] == ["Home", "F", "Left"], result
    assert not result["minimap_before"] and result["minimap_after_m"], result  # off until M (it covers nodes)
    # A palette click after a pan far off: the node lands in view (it went where the view had been, unseen).
    assert result["palette_node_visible"], result
    (nx, ny), (left, top, width, height) = result["palette_node_corner"], result["canvas"]
    assert left <= nx <= left + width - 200 and top <= ny <= top + height - 100, result


@pytest.mark.display
def test_home_says_whether_the_whole_patch_is_in_view() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.home_scenario")
    assert result["small_status"] == "the whole patch is in view", result
    assert result["log_x"][0] > 1000, result  # dragged far enough to make the patch wider than the view
    status = result["wide_status"]
    assert "larger than the view" in status and "arrows pan" in status and "Home" in status, result


@pytest.mark.display
def test_m_on_a_patch_too_big_for_the_minimap_says_why() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.minimap_scenario")
    assert not result["minimap_shown"], result
    assert result["m_status"].startswith("no minimap above 60 nodes"), result
    assert "larger than the view" in result["home_status"] and "minimap" not in result["home_status"], result
