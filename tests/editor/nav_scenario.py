"""Finding one's way with real keys and mouse: arrows pan, Home fits the patch, F frames the selection, and
Space+left drag pans (no middle button), and so does the mouse wheel; after a pan far off, a palette click adds a
node in view. Every event is a real X event (XTEST) on the test display.

Run as ``python -m tests.editor.nav_scenario`` (needs DISPLAY; see test_navigate.py). Prints one
JSON object: where a node was drawn after each step, the visible canvas, and whether the patch changed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import REPO, Driver, editor, empty_spot, press_point


def corner(node_id: str) -> list[float]:
    x, y = dpg.get_item_rect_min(f"node:{node_id}")
    return [float(x), float(y)]


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with editor(REPO / "patches" / "exsampling.yaml") as app:
        driver = Driver(app)
        model = app.model
        positions = {n: spec.position for n, spec in model.patch.nodes.items()}
        first = next(iter(model.patch.nodes))
        last = list(model.patch.nodes)[-1]
        out["opened"] = {n: corner(n) for n in model.patch.nodes}  # as opened: fitted, as Home does
        out["opened_status"] = app.status
        driver.move(empty_spot((0, 0)) or (600, 500))  # the keys go to the window under the mouse
        out["start"] = corner(first)
        driver.key("Right")
        out["after_right"] = corner(first)
        driver.key("Down", "shift")
        out["after_shift_down"] = corner(first)
        app.say("")
        driver.key("Home")
        out["after_home"] = {n: corner(n) for n in model.patch.nodes}
        out["home_status"] = app.status
        left, top, width, height = app.navigator.visible()
        out["visible"] = [left + app.patch_view.pan[0], top + app.patch_view.pan[1], width, height]
        out["canvas_corner"] = list(app.patch_view.screen_rect()[:2])
        app._select([last])  # selected as a paste selects its nodes; then F frames it
        driver.key("f")
        (x, y), (w, h) = dpg.get_item_rect_min(f"node:{last}"), dpg.get_item_rect_size(f"node:{last}")
        out["framed_centre"] = [x + w / 2, y + h / 2]
        out["canvas_centre"] = [out["canvas_corner"][0] + width / 2, out["canvas_corner"][1] + height / 2]
        before = corner(last)
        start = empty_spot((150, 80))
        assert start is not None
        with driver.holding("space"):
            driver.drag(start, (150, 80))
        out["space_drag_moved"] = [a - b for a, b in zip(corner(last), before, strict=True)]
        # The mouse wheel over the canvas pans: a notch down looks down, Shift+notch up looks left; over the
        # inspector it does not.
        wheel_at = empty_spot((0, 0))
        assert wheel_at is not None
        driver.move(wheel_at)
        before = corner(last)
        driver.input("click", 5)  # a notch down
        out["wheel_down_moved"] = [a - b for a, b in zip(corner(last), before, strict=True)]
        before = corner(last)
        with driver.holding("shift"):
            driver.input("click", 4)  # a notch up, with Shift
        out["shift_wheel_up_moved"] = [a - b for a, b in zip(corner(last), before, strict=True)]
        driver.move(press_point("patch:name"))
        before = corner(last)
        driver.input("click", 5)
        out["wheel_over_inspector_moved"] = [a - b for a, b in zip(corner(last), before, strict=True)]
        out["positions_kept"] = {n: spec.position for n, spec in model.patch.nodes.items()} == positions
        out["dirty"] = model.dirty
        out["minimap_before"] = dpg.get_item_configuration(app.patch_view.tag)["minimap"]
        driver.key("m")
        out["minimap_after_m"] = dpg.get_item_configuration(app.patch_view.tag)["minimap"]
        out["menu"] = [dpg.get_item_configuration(f"menu:{k}")["shortcut"] for k in ("fit", "frame", "pan_left")]
        # Panned far off (no node in view), then a type clicked in the palette: the new node shows in the view.
        for _ in range(8):
            driver.key("Right", "shift")
        driver.click(press_point("palette:relay"))
        app.render(5)
        out["palette_node_visible"] = dpg.is_item_visible("node:relay")
        out["palette_node_corner"] = corner("relay") if out["palette_node_visible"] else None
        out["canvas"] = list(app.patch_view.screen_rect())
        driver.key("c")  # compact nodes, then fitted as Home does: all of it in view, and said
        out["compact_status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
