"""A node added from the right-click menu lands under the mouse, also after the canvas has been panned.

Runs the editor on a real (virtual) display with real mouse input: ``xdotool`` drags the canvas with the
middle button (Dear PyGui has no call that pans), moves the mouse to an empty spot, and the right-click
handler and the add action run as a click would run them. Prints one JSON object: where the mouse was,
where the new node's corner is drawn, and how far the pan moved an existing node.

Run as ``python -m tests.editor.spawn_scenario`` (needs DISPLAY and xdotool; see test_spawn_at_mouse.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry

REPO = Path(__file__).resolve().parents[2]
PAN = (200, 100)
TARGET = (520, 800)  # a viewport point over empty canvas once panned


def xdotool(*args: object) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True)


def main() -> dict[str, Any]:
    dpg.create_context()
    model = EditorModel(Registry.default())
    model.open(REPO / "patches" / "exsampling.yaml")
    app = EditorApp(model, workers=2)
    app.build()
    app.open_viewport(1400, 900, vsync=False)
    app.render(30)
    vx, vy = dpg.get_viewport_pos()
    before = dpg.get_item_rect_min("node:recorder")

    def pan() -> None:
        x, y = vx + 700, vy + 700  # empty canvas below the nodes
        xdotool("mousemove", x, y)
        time.sleep(0.2)  # each step in a frame of its own, as a hand would
        xdotool("mousedown", 2)
        time.sleep(0.1)
        for step in range(1, 11):
            xdotool("mousemove", x + PAN[0] * step // 10, y + PAN[1] * step // 10)
            time.sleep(0.03)
        time.sleep(0.1)
        xdotool("mouseup", 2)
        time.sleep(0.2)  # let the editor see the drag end before the mouse moves on
        xdotool("mousemove", vx + TARGET[0], vy + TARGET[1])
        time.sleep(0.1)

    mover = threading.Thread(target=pan)
    mover.start()
    while mover.is_alive():
        app.render(1)
    app.render(10)
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
