"""Delete then Ctrl+Z through real clicks and keys: the nodes brought back are the selection, so that the next
Delete (or a drag, or Ctrl+C) acts on them, as in other editors.

Opens a copy of the default patch at 1280x1000, clicks the gate's title, presses Delete then Ctrl+Z, then Delete
again; then marks two nodes as selected (as a paste does), and does the same; then cuts the gate (Ctrl+X), pastes
it and undoes both; then selects all (Ctrl+A), deletes and undoes; then
draws a box around two nodes (selecting their links too), deletes and undoes once. Every event is a real X event
(XTEST).

Run as ``python -m tests.editor.undo_scenario`` (needs DISPLAY; see test_undo_select.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, empty_spot, node_rects, reveal, title_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-undo-") as patch, editor(patch) as app:
        model, view = app.model, app.patch_view
        driver = Driver(app)
        chosen = view._themes["chosen"]
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        out["clicked"] = app.selection()
        driver.key("Delete")
        out["deleted"] = "gate" not in model.patch.nodes
        driver.key("z", "ctrl")
        out["restored"] = "gate" in model.patch.nodes
        out["selection"] = app.selection()
        out["marked"] = dpg.get_item_theme("node:gate") == chosen
        out["inspector"] = app.inspector.node_id
        driver.key("Delete")
        out["deleted_again"] = "gate" not in model.patch.nodes
        driver.key("z", "ctrl")
        # Two nodes at once, then a click on empty canvas: the marks go, as a canvas selection would.
        pair = [n for n in model.patch.nodes if n != "gate"][:2]
        app._select(pair)
        driver.key("Delete")
        out["pair_deleted"] = not any(n in model.patch.nodes for n in pair)
        driver.key("z", "ctrl")
        out["pair_selection"] = app.selection()
        out["pair_marked"] = [dpg.get_item_theme(f"node:{n}") == chosen for n in pair]
        out["pair"] = pair
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)
        out["after_empty_click"] = app.selection()
        # Ctrl+X on a clicked node: gone, and Ctrl+V brings it back under its own id, its parameters kept.
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        params = dict(model.patch.nodes["gate"].params)
        driver.key("x", "ctrl")
        out["cut_gone"] = "gate" not in model.patch.nodes
        out["cut_status"] = app.status
        out["menu_cut"] = dpg.get_item_configuration("menu:cut")["shortcut"]
        driver.key("v", "ctrl")
        out["cut_pasted"] = app.selection()
        out["cut_params_kept"] = "gate" in model.patch.nodes and model.patch.nodes["gate"].params == params
        driver.key("z", "ctrl")
        driver.key("z", "ctrl")
        out["cut_undone"] = app.selection()
        out["cut_undo_status"] = app.status
        # Ctrl+A, then Delete: the patch is empty; Ctrl+Z brings every node back, selected.
        everything = list(model.patch.nodes)
        driver.move(spot)  # keys go to the canvas, not a field of the inspector
        driver.key("a", "ctrl")
        out["all_selected"] = app.selection() == everything
        out["all_status"] = app.status
        driver.key("Delete")
        out["all_deleted"] = list(model.patch.nodes)
        driver.key("z", "ctrl")
        out["all_back_selected"] = app.selection() == everything and list(model.patch.nodes) == everything
        # A box drawn around the trim and the pitch selects them and the links that touch them; Delete, then one
        # Ctrl+Z brings back both nodes and every link.
        driver.click(spot)
        reveal(driver, "trim")
        rects = node_rects()
        (x0, y0), (x1, y1) = (rects["trim"][0] - 15, rects["trim"][1] - 25), (rects["pitch"][2] + 15,
                                                                             rects["trim"][3] + 25)
        links = list(model.patch.links)
        driver.drag((x0, y0), (x1 - x0, y1 - y0))
        out["box_nodes"] = sorted(view.selected_nodes())
        out["box_links"] = len(view.selected_links())
        driver.key("Delete")
        out["box_deleted"] = app.status
        driver.key("z", "ctrl")
        out["box_undo_status"] = app.status
        out["box_links_back"] = list(model.patch.links) == links
        out["box_selection"] = sorted(app.selection())
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
