"""A node added from the right-click menu lands under the mouse, also after the canvas has been panned.

Runs the editor on a real (virtual) display with real mouse input (XTEST, through the scenarios' driver): it
drags the canvas with the middle button (Dear PyGui has no call that pans), moves the mouse to an empty spot,
and the right-click handler and the add action run as a click would run them. Prints one JSON object: where the
mouse was, where the new node's corner is drawn, and how far the pan moved an existing node.

Run as ``python -m tests.editor.spawn_scenario`` (needs DISPLAY; see test_spawn_at_mouse.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from tests.editor.driving import Driver

REPO = Path(__file__).resolve().parents[2]
PAN = (200, 100)
TARGET = (520, 720)  # a viewport point over empty canvas once panned, a node's height above its bottom edge


def main() -> dict[str, Any]:
    dpg.create_context()
    model = EditorModel(Registry.default())
    model.open(REPO / "patches" / "exsampling.yaml")
    app = EditorApp(model, workers=2)
    app.build()
    app.open_viewport(1400, 900, vsync=False)
    app.render(30)
    driver = Driver(app)
    before = dpg.get_item_rect_min("node:recorder")
    driver.drag((700, 700), PAN, button=2)  # from empty canvas below the nodes, each step in frames of its own
    driver.move(TARGET, frames=10)
    after = dpg.get_item_rect_min("node:recorder")
    mouse = dpg.get_mouse_pos(local=False)
    app._on_right_click(None, None)  # what the right-click handler does at this mouse position
    dpg.configure_item("add_popup", show=False)
    node_id = app.add_node("log")
    app.render(10)
    assert node_id is not None
    out = {"mouse": list(mouse), "node_corner": list(dpg.get_item_rect_min(f"node:{node_id}")),
           "pan_moved": [after[0] - before[0], after[1] - before[1]],
           "position": list(model.patch.nodes[node_id].position or ())}
    app.runner.stop()
    dpg.destroy_context()
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
