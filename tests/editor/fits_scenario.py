"""Home on a patch a little narrower than the view (narrower than the view less its margins' 60 px, though): it
shows whole, and the status bar says so (real key events).

Opens the editor's small test patch in a real (virtual) window, moves its last node so that the patch is 20 px
narrower than the canvas, presses Home, and reads the status bar and where each node is drawn.

Run as ``python -m tests.editor.fits_scenario`` (needs DISPLAY; see test_fits.py). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, node_rects, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-fits-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            left, top, width, height = app.patch_view.screen_rect()
            log_w = dpg.get_item_rect_size("node:log")[0]
            first = min((spec.position or (0, 0))[0] for spec in app.model.patch.nodes.values())
            # The patch's width (first node's left edge to the log's right edge): the canvas's less 20 px.
            app.model.move_nodes({"log": (first + width - 20 - log_w, 80.0)})
            driver.frames(3)
            driver.move(empty_spot((0, 0)) or (left + 10, top + height - 10))
            driver.key("Home")
            out["status"] = app.status
            out["canvas"] = [left, top, width, height]
            out["rects"] = node_rects()
            out["nodes"] = list(app.model.patch.nodes)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
