"""A group of linked nodes pasted through real keys (XTEST): where Ctrl+V puts it, and what undo and redo bring back.

Opens a copy of the default patch (in the folder given) at 1280x1000 and copies trim, pitch and classifier (a row
of linked nodes nearly as wide as the canvas); pastes after a far pan (Shift+Right four times), twice; after Home,
where the nodes copied are; and in the compact display (C). Then presses Ctrl+Z twice and Ctrl+Y twice, and opens
another patch and pastes there. Records, after each paste, the pasted nodes' rectangles on screen, every other
node's and the canvas's, and the patch's nodes and links.

Run as ``python -m tests.editor.paste_group_scenario FOLDER`` (needs DISPLAY; see test_paste_group.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import REPO, VIEWPORT, Driver, drawn
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH

GROUP = ["trim", "pitch", "classifier"]


def state(app: EditorApp) -> dict[str, Any]:
    """The patch's nodes (type and position) and links, and the links drawn."""
    patch = app.model.patch
    return {"nodes": {n: [spec.type, list(spec.position or ())] for n, spec in patch.nodes.items()},
            "links": sorted(str(link) for link in patch.links),
            "drawn_links": sorted(str(link) for link in app.patch_view._links),
            "drawn_at": {n: drawn_at(app, n) for n in patch.nodes}}


def drawn_at(app: EditorApp, node_id: str) -> list[float]:
    """The patch position a node is drawn at (its spot on the canvas, the editor's pan and scale taken off)."""
    view, (x, y) = app.patch_view, dpg.get_item_pos(f"node:{node_id}")
    return [(x - view.pan[0]) / view.scale, (y - view.pan[1]) / view.scale]


def pasted(app: EditorApp, driver: Driver) -> dict[str, Any]:
    """Ctrl+V, then where the new nodes are drawn, with the canvas and every other node drawn."""
    before = set(app.model.patch.nodes)
    driver.key("v", "ctrl")
    driver.frames(3)
    new = [n for n in app.model.patch.nodes if n not in before]
    rects = {n: rect(n) for n in app.model.patch.nodes if dpg.is_item_visible(f"node:{n}")}
    return {"new": new, "positions": [list(app.model.patch.nodes[n].position or ()) for n in new],
            "rects": [rects.get(n) for n in new], "others": [r for n, r in rects.items() if n not in new],
            "canvas": list(app.patch_view.screen_rect()), "status": app.status}


def main(folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    work = Path(folder)
    patch = work / "exsampling.yaml"
    shutil.copy(REPO / "patches" / "exsampling.yaml", patch)
    (work / "other.yaml").write_text(PATCH)
    with open_editor(patch, workers=1) as app:
        app.open_viewport(*VIEWPORT, vsync=False)
        drawn(app)
        driver = Driver(app)
        app.copy(GROUP)  # as Ctrl+C does with the three selected
        out["copied"] = [list(app.model.patch.nodes[n].position or ()) for n in GROUP]
        out["copied_links"] = sorted(str(ln) for ln in app.model.clipboard.links)
        for _ in range(4):
            driver.key("Right", "shift")
        out["far"] = [pasted(app, driver), pasted(app, driver)]
        driver.key("Home")
        out["home"] = pasted(app, driver)
        driver.key("c")
        driver.frames(3)
        out["compact"] = pasted(app, driver)
        driver.key("c")
        driver.frames(3)
        # Undo the last two pastes, then redo them: the nodes, their positions and their links come back.
        out["states"] = [state(app)]
        for keys in (("z", "ctrl"), ("z", "ctrl"), ("y", "ctrl"), ("y", "ctrl")):
            driver.key(*keys)
            driver.frames(3)
            out["states"].append(state(app))
        # Another patch opened: the clipboard is kept, pasted there with its links.
        assert app.files.open(work / "other.yaml")
        drawn(app)
        driver.frames(3)
        out["other"] = pasted(app, driver)
        out["other_state"] = state(app)
    return out


def rect(node_id: str) -> list[float]:
    (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
    return [float(x), float(y), float(x + w), float(y + h)]


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
    sys.stdout.flush()
