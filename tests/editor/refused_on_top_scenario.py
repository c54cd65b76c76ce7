"""A node that grows by a refused link's line is drawn over the node placed below it, which covered its lower rows.

Opens a patch with a trim beside a sampler, a log node just below the sampler, in a real (virtual) window, and drags
the trim's output to the sampler's MIDI input (refused: its reason shows under that input). Then the mouse goes, a
real X event (XTEST), to where the sampler and the log node now meet: the node on top is the one hovered.

Run as ``python -m tests.editor.refused_on_top_scenario`` (needs DISPLAY; see test_error_on_top.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import drag_link, driven, node_rects

PATCH = """\
exsampling_patch: 1
name: refused on top
nodes:
- id: trim
  type: trim
  position: [20, 40]
- id: sampler
  type: sampler
  position: [260, 40]
- id: log
  type: log
  position: [260, {below}]
links: []
"""
#: Where the log node is: just clear of the sampler (drawn 140 px high at 40 on the test display).
BELOW = 186


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH.format(below=BELOW), "exsampling-refused-on-top-") as driver:
        before = node_rects()
        out["height"] = before["sampler"][3] - before["sampler"][1]
        out["clear_before"] = before["sampler"][3] < before["log"][1]
        drag_link(driver, "out:trim.out", "in:sampler.midi")
        driver.frames(3)
        out["refused"] = dpg.get_value("refusal:sampler.midi")
        rects = node_rects()
        out["kept_place"] = rects["sampler"][:2] == before["sampler"][:2]
        sx0, sy0, sx1, sy1 = rects["sampler"]
        lx0, ly0, lx1, ly1 = rects["log"]
        x0, y0, x1, y1 = max(sx0, lx0) + 3, max(sy0, ly0) + 3, min(sx1, lx1) - 3, min(sy1, ly1) - 3
        out["overlap"] = x1 > x0 and y1 > y0
        driver.move(((x0 + x1) / 2, (y0 + y1) / 2))
        out["hovered"] = [n for n in ("sampler", "log") if dpg.is_item_hovered(f"node:{n}")]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
