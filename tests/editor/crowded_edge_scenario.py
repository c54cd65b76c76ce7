"""A node added from a right click below another near the canvas's bottom edge: it is moved into view, and clear
of the node above. Moved clear of it (down) and then into view (up), it was put back over it.

Opens an empty patch at the test display's size, adds a node whole in view just above the canvas's bottom edge,
then right-clicks' spot below it (``Placement.restart``, as a right click does) and adds a node there as the
pop-up's Enter does (``EditorApp.add_node``).

Run as ``python -m tests.editor.crowded_edge_scenario`` (needs DISPLAY; see test_add_popup.py). Prints one JSON
object: the canvas's rectangle and each node's, on screen.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, work_folder
from tests.editor.harness import open_editor

TYPE = "trim"


def main() -> dict[str, Any]:
    with work_folder("exsampling-edge-") as work:
        (work / "p.yaml").write_text("exsampling_patch: 1\nname: edge\nnodes: []\nlinks: []\n")
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            first = app.add_node(TYPE, (100.0, 100.0))
            driver.frames(5)  # the opening's fit, done once a node is drawn
            area = app.navigator.drawn_area()
            assert area is not None and first is not None
            left, top, _, height = area
            scale = app.navigator.view.scale
            bottom = top + height / scale
            size = app.placement.drawn_size(TYPE)
            app.model.move_nodes({first: (float(int(left + 100)), float(int(bottom - size[1] - 20 / scale)))})
            driver.frames(5)
            app.placement.restart((left + 120, bottom - 30 / scale))  # below the first, near the edge
            second = app.add_node(TYPE)
            driver.frames(5)
            nodes = {}
            for node_id in (first, second):
                (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
                nodes[str(node_id)] = [x, y, x + w, y + h]
            return {"canvas": list(app.patch_view.screen_rect()), "first": str(first), "second": str(second),
                    "nodes": nodes}


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
