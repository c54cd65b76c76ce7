"""A node whose type is missing (its plugin not installed) in a real (virtual) window: a grey placeholder that
lists the parameters it keeps, each cut to the node's width, whole in its tooltip.

Opens a patch whose ``granulator`` node (a plugin's, not installed) keeps a long path and a list, between a
folder source and a log 240 px apart (as the default patch puts its nodes), reads the nodes' widths on screen,
then moves the mouse (``xdotool``) onto the path's line and reads its tooltip.

Run as ``python -m tests.editor.placeholder_scenario`` (needs DISPLAY and xdotool; see test_placeholder.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, node_rects, press_point, work_folder
from tests.editor.harness import open_editor

SAMPLES = "/home/composer/field recordings/2026-12-03 river at dusk/grains"
PATCH = f"""\
exsampling_patch: 1
name: plugin missing
nodes:
- id: inbox
  type: folder_source
  position: [20, 100]
  params: {{folder: inbox}}
- id: grains
  type: granulator
  position: [260, 100]
  params:
    samples: {SAMPLES}
    sizes: [10, 20, 40, 80, 160, 320]
    mix: 0.5
- id: log
  type: log
  position: [500, 100]
links:
- inbox.take -> grains.take
- grains.out -> log.message
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-placeholder-") as work:
        (work / "inbox").mkdir()
        (work / "plugin.yaml").write_text(PATCH)
        with open_editor(work / "plugin.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            app.render(20)
            driver = Driver(app)
            rects = node_rects()
            out["widths"] = {node: x1 - x0 for node, (x0, _, x1, _) in rects.items()}
            out["overlap"] = rects["grains"][2] > rects["log"][0]
            out["lines"] = {name: dpg.get_value(tag) if dpg.does_item_exist(tag := f"kept:grains:{name}") else None
                            for name in ("samples", "sizes", "mix")}
            out["tips"] = sorted(name for name in ("samples", "sizes", "mix")
                                 if dpg.does_item_exist(f"kept:grains:{name}:tip"))
            tip = "kept:grains:samples:tip"
            out["tip_visible_before"] = dpg.does_item_exist(tip) and dpg.is_item_visible(tip)
            if dpg.does_item_exist("kept:grains:samples"):
                driver.move(press_point("kept:grains:samples"))
            app.render(20)
            out["tip_visible"] = dpg.does_item_exist(tip) and dpg.is_item_visible(tip)
            out["tip_text"] = dpg.get_value(tip) if dpg.does_item_exist(tip) else None
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
