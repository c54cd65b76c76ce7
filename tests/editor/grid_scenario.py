"""Where a canvas point is, asked right after a pan and before the next frame draws it (Right then a right-click
in the same frame): the nodes' corners on screen are still those of the last frame, their positions already the
new ones. Panned on until no node is in view, the offset ``grid_at`` kept is what it goes by, also after a
middle-button drag (imnodes' own pan) it was not asked during.

Run as ``python -m tests.editor.grid_scenario`` (needs DISPLAY; see test_grid_at.py). Prints one JSON object:
the canvas position under one viewport point before any pan, right after a pan, a few frames later, and after
panning on out of sight, with the pans made.
"""

from __future__ import annotations

import json
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import REPO, Driver, editor, empty_spot

POINT = (700.0, 600.0)  # a viewport point on the canvas


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with editor(REPO / "patches" / "exsampling.yaml") as app:
        view, nav = app.patch_view, app.navigator
        # Panned first with the middle button (imnodes' own pan, which the editor is not told of), then with
        # the keys until no node is in view, grid_at not asked meanwhile: the canvas offset it goes by must be
        # the one after the drag.
        driver = Driver(app)
        start_at = empty_spot((150, 90))
        assert start_at is not None
        driver.drag(start_at, (150, 90), button=2)
        corner, pos = dpg.get_item_rect_min("node:trim"), dpg.get_item_pos("node:trim")
        offset = (corner[0] - pos[0], corner[1] - pos[1])  # what a node drawn says, as grid_at reads it
        for _ in range(12):
            nav.pan_key(4, 0)
        app.render(5)
        out["dragged_out_of_sight"] = list(view.grid_at(POINT))
        out["dragged_expected"] = [POINT[0] - offset[0] - view.pan[0], POINT[1] - offset[1] - view.pan[1]]
        out["dragged_any_visible"] = any(dpg.is_item_visible(f"node:{n}") for n in app.model.patch.nodes)
        nav.fit()
        app.render(5)
        out["before"] = list(view.grid_at(POINT))
        start = view.pan
        nav.pan_key(1, 0)  # what Right does
        out["right_after_pan"] = list(view.grid_at(POINT))  # no frame drawn since
        out["frame"] = dpg.get_frame_count()
        out["pan"] = [view.pan[0] - start[0], view.pan[1] - start[1]]
        app.render(5)
        out["frames_later"] = list(view.grid_at(POINT))
        # Right again, then asked twice in that frame: once is not enough to spoil it.
        nav.pan_key(0, 1)
        view.grid_at(POINT)
        out["asked_twice"] = list(view.grid_at(POINT))
        app.render(5)
        for _ in range(12):  # Shift+Right until no node is drawn: the offset kept is all grid_at has
            nav.pan_key(4, 0)
        app.render(5)
        out["out_of_sight"] = list(view.grid_at(POINT))
        out["any_node_visible"] = any(dpg.is_item_visible(f"node:{n}") for n in app.model.patch.nodes)
        out["total_pan"] = [view.pan[0] - start[0], view.pan[1] - start[1]]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
