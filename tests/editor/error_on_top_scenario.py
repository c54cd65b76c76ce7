"""A node that comes into an error grows by its error's lines: it is drawn over the node placed below it, which
covered the error before (seen: ableton_live's error under ableton_max 100 px below).

Opens a patch with a take writer above a log node, 90 px apart (clear of each other until the error), in a real
(virtual) window, runs it with F5 and feeds the writer a take after its folder was made a file: it fails on it.
Then the mouse goes, a real X event (XTEST), to where the error's lines and the log node meet, and clicks there:
the node on top is the one hovered, and the one the click shows in the inspector.

Run as ``python -m tests.editor.error_on_top_scenario`` (needs DISPLAY; see test_error_on_top.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.registry import Registry
from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, node_rects, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
name: error on top
nodes:
- id: inbox
  type: folder_source
  position: [320, 80]
  params:
    folder: ../takes/inbox
- id: library
  type: take_writer
  position: [40, 80]
  params:
    folder: ../takes/library
- id: log
  type: log
  position: [40, 170]
links:
- {from: inbox.take, to: library.take}
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-error-on-top-") as work:
        (work / "patches").mkdir()
        (work / "patches" / "p.yaml").write_text(PATCH)
        with open_editor(work / "patches" / "p.yaml", Registry.default(), workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            driver.move(empty_spot((0, 0)) or (600, 500))
            driver.key("F5")
            out["running"] = app.runner.running
            engine = app.runner.engine
            assert engine is not None
            before = node_rects()
            out["clear_before"] = before["library"][3] < before["log"][1]
            # its folder a file now: the writer fails on a take, its error naming the whole path (several lines)
            shutil.rmtree(work / "takes" / "library")
            (work / "takes" / "library").write_text("")
            engine.inject("library", "take", Take(np.zeros(480, dtype=np.float32), 48000, take_id="lost"))
            out["idle"] = engine.wait_idle(5)
            app.render(5)
            out["error"] = dpg.get_value("error:library")
            out["kept_place"] = node_rects()["library"][:2] == before["library"][:2]
            (ex, ey), (ew, eh) = dpg.get_item_rect_min("error:library"), dpg.get_item_rect_size("error:library")
            lx0, ly0, lx1, ly1 = node_rects()["log"]
            # a point of the error's lines inside the log node's box: where the two meet
            x0, y0, x1, y1 = max(ex, lx0) + 3, max(ey, ly0) + 3, min(ex + ew, lx1) - 3, min(ey + eh, ly1) - 3
            out["overlap"] = x1 > x0 and y1 > y0
            out["apart"] = ly0 - dpg.get_item_rect_min("node:library")[1]
            point = ((x0 + x1) / 2, (y0 + y1) / 2)
            driver.move(point)
            out["hovered"] = [n for n in ("library", "log") if dpg.is_item_hovered(f"node:{n}")]
            driver.click(point)
            out["inspector"] = app.inspector.node_id
            out["status"] = dpg.get_value("statusbar")
            driver.key("F5", "shift")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
