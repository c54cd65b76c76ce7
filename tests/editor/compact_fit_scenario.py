"""C (the compact display on, then off) fits the patch to the view as Home does (real keys: XTEST).

Opens, at 1280x1000, a patch of two trim nodes 580 apart in a row (drawn, 715 px wide: it fits the 747 px canvas),
written into the folder given; presses C twice, then Home, and records after each the nodes' rectangles on screen,
the canvas's, the editor's pan and the status.

Run as ``python -m tests.editor.compact_fit_scenario FOLDER`` (needs DISPLAY; see test_compact_fit.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import VIEWPORT, Driver, drawn
from tests.editor.harness import open_editor


def seen(app: EditorApp) -> dict[str, Any]:
    rects = []
    for node_id in app.model.patch.nodes:
        (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
        rects.append([x, y, x + w, y + h])
    return {"rects": rects, "canvas": list(app.patch_view.screen_rect()), "pan": list(app.patch_view.pan),
            "status": app.status, "compact": app.patch_view.compact}


def main(folder: str) -> dict[str, Any]:
    patch = Path(folder) / "row.yaml"
    nodes = [{"id": "left", "type": "trim", "position": [0, 0]}, {"id": "right", "type": "trim", "position": [580, 0]}]
    patch.write_text(yaml.safe_dump({"exsampling_patch": 1, "name": "row", "nodes": nodes, "links": []},
                                    sort_keys=False))
    out: dict[str, Any] = {}
    with open_editor(patch, workers=1) as app:
        app.open_viewport(*VIEWPORT, vsync=False)
        drawn(app)
        driver = Driver(app)
        for step in ("compact", "full", "home"):
            driver.key("Home" if step == "home" else "c")
            driver.frames(3)
            out[step] = seen(app)
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
    sys.stdout.flush()
