"""Copy and paste through real clicks and keys: the pasted node becomes the selection.

Opens a copy of the default patch at 1280x1000, clicks the gate's title (selected on the canvas), presses Ctrl+C
and Ctrl+V, then Delete; adds a folder source from the palette (it has a problem), clicks the gate, then the problem in
the panel under the patch; copies the gate, pans far off with the keys and pastes twice; presses Ctrl+C (then Ctrl+X)
with nothing selected, then Ctrl+V. Every event is a real X event (XTEST), so the canvas's own selection (the gate,
clicked) is what Dear PyGui reports until it draws the next frame, as for a person.

Run as ``python -m tests.editor.paste_scenario`` (needs DISPLAY; see test_paste.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, empty_spot, press_point, reveal, title_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-paste-") as patch, editor(patch) as app:
        model = app.model
        driver = Driver(app)
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        out["clicked"] = app.selection()
        before = set(model.patch.nodes)
        driver.key("c", "ctrl")
        driver.key("v", "ctrl")
        app.render(5)
        out["pasted"] = sorted(set(model.patch.nodes) - before)
        out["selection"] = app.selection()
        out["inspector"] = app.inspector.node_id
        driver.key("Delete")
        out["after_delete"] = sorted(set(model.patch.nodes) ^ before)
        out["gate_kept"] = "gate" in model.patch.nodes
        # A node added from the palette has a problem (its folder is missing); with the gate clicked on the
        # canvas, a click on that problem in the panel under the patch shows the new node in the inspector.
        driver.click(press_point("palette:folder_source"))
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        out["clicked_again"] = app.inspector.node_id
        driver.click(press_point("problems:0"))
        app.render(5)
        out["problem_shows"] = app.inspector.node_id
        # Copied, then the view panned far off (Shift+Right, four times): two pastes land in view, apart.
        driver.click(title_point("gate"))
        driver.key("c", "ctrl")
        for _ in range(4):
            driver.key("Right", "shift")
        before = set(model.patch.nodes)
        driver.key("v", "ctrl")
        driver.key("v", "ctrl")
        app.render(5)
        far = [n for n in model.patch.nodes if n not in before]
        out["far_pasted"] = far
        out["far_visible"] = [dpg.is_item_visible(f"node:{n}") for n in far]
        out["far_rects"] = [rect(n) for n in far]
        out["canvas"] = list(app.patch_view.screen_rect())
        out["far_selection"] = app.selection()
        # Ctrl+C with nothing selected (a click on empty canvas first): the gate copied before is still pasted.
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)
        out["nothing_selected"] = app.selection()
        driver.key("c", "ctrl")
        out["stray_copy_status"] = app.status
        before = set(model.patch.nodes)
        driver.key("v", "ctrl")
        out["pasted_after_stray_copy"] = [model.patch.nodes[n].type for n in model.patch.nodes if n not in before]
        driver.click(spot)
        driver.key("x", "ctrl")  # the same for Ctrl+X
        out["stray_cut_status"] = app.status
        before = set(model.patch.nodes)
        driver.key("v", "ctrl")
        out["pasted_after_stray_cut"] = [model.patch.nodes[n].type for n in model.patch.nodes if n not in before]
    return out


def rect(node_id: str) -> list[float]:
    (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
    return [float(x), float(y), float(x + w), float(y + h)]


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
