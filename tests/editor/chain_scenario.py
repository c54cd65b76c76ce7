"""A composer's first patch, built from the palette alone: six types clicked one after the other in a new patch
(real clicks: XTEST), as a chain from a folder to the sampler is built. Each must land in view and clear of the
others: they went down the canvas 140 px apart, the fifth and sixth below its bottom edge (the composer clicked
"sampler" and saw nothing appear), and a node that grew (its problem, a refused link, its live line) covered
the next one's pins.

Run as ``python -m tests.editor.chain_scenario`` (needs DISPLAY; see test_chain_spawn.py). Prints one JSON
object: the canvas's rectangle and each node's, on screen.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, press_point, work_folder
from tests.editor.harness import open_editor

CHAIN = ("folder_source", "trim", "classifier", "confidence_gate", "slot_map", "sampler")


def main() -> dict[str, Any]:
    with work_folder("exsampling-chain-") as work:
        (work / "p.yaml").write_text("exsampling_patch: 1\nname: first\nnodes: []\nlinks: []\n")
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            for type_name in CHAIN:
                driver.click(press_point(f"palette:{type_name}"))
            driver.frames(5)
            canvas = app.patch_view.screen_rect()
            nodes = {}
            for node_id in app.model.patch.nodes:
                (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
                nodes[node_id] = [x, y, x + w, y + h, dpg.is_item_visible(f"node:{node_id}")]
    return {"canvas": list(canvas), "nodes": nodes}


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
