"""The compact node display shows a 40-node patch at once (real key and mouse events in a real window).

Opens a 40-node patch laid out at full size (8 rows of 5, wider and taller than the canvas), presses Home
(fit) and counts the nodes wholly in view; presses C (compact display, then fit) and counts again, checks that
no two nodes overlap and that the status lines are hidden; drags a node (the patch's position moves by the drag
over the compact scale); presses C again (back to full size, where the node now is).

Run as ``python -m tests.editor.compact_scenario`` (needs DISPLAY; see test_compact.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import VIEWPORT, Driver, title_point, work_folder
from tests.editor.harness import open_editor

COLUMNS, ROWS = 5, 8
STEP = (250.0, 170.0)


def big_patch(path: Path) -> None:
    types = ["relay", "normalize", "trim", "log"]
    nodes, links = [], []
    for i in range(COLUMNS * ROWS):
        kind = types[i % len(types)]
        nodes.append({"id": f"{kind}_{i}", "type": kind,
                      "position": [20 + STEP[0] * (i % COLUMNS), 20 + STEP[1] * (i // COLUMNS)]})
        if kind == "normalize":
            links.append({"from": f"{kind}_{i}.out", "to": f"trim_{i + 1}.take"})
    path.write_text(yaml.safe_dump({"exsampling_patch": 1, "name": "forty", "nodes": nodes, "links": links},
                                   sort_keys=False))


def in_view(app: EditorApp) -> tuple[int, bool]:
    """How many nodes are wholly inside the canvas, and whether any two overlap."""
    x0, y0, width, height = app.patch_view.screen_rect()
    rects = []
    for node_id in app.model.patch.nodes:
        (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
        rects.append((x, y, x + w, y + h))
    inside = sum(x0 <= a and y0 <= b and c <= x0 + width and d <= y0 + height for a, b, c, d in rects)
    overlap = any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                  for i, a in enumerate(rects) for b in rects[i + 1:])
    return inside, overlap


def main() -> dict[str, Any]:
    result: dict[str, Any] = {}
    with work_folder("exsampling-compact-") as work:
        big_patch(work / "forty.yaml")
        with open_editor(work / "forty.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            model = app.model
            result["nodes"] = len(model.patch.nodes)
            app.render(10)
            driver = Driver(app)
            driver.move((VIEWPORT[0] / 2, VIEWPORT[1] / 2))
            driver.key("Home")
            app.render(5)
            result["full_in_view"], _ = in_view(app)
            result["full_height"] = dpg.get_item_rect_size("node:normalize_1")[1]
            driver.key("c")
            app.render(5)
            result["compact"] = app.patch_view.compact
            result["compact_in_view"], result["compact_overlap"] = in_view(app)
            result["compact_height"] = dpg.get_item_rect_size("node:normalize_1")[1]
            result["compact_title"] = dpg.get_item_label("node:normalize_1")
            result["status_shown"] = dpg.is_item_visible("live:normalize_1")
            before = model.patch.nodes["relay_0"].position
            driver.drag(title_point("relay_0"), (40, 30))
            after = model.patch.nodes["relay_0"].position
            result["moved_by"] = [after[0] - before[0], after[1] - before[1]] if before and after else None
            driver.key("c")
            app.render(5)
            result["compact_after"] = app.patch_view.compact
            result["full_title"] = dpg.get_item_label("node:normalize_1")
            result["undo_moves_back"] = model.undo() is not None and model.patch.nodes["relay_0"].position == before
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
