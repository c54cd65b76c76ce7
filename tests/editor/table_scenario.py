"""The slot map's class-to-slot table in a real window: hover, filter by typing, edit one row, Ctrl+S.

Opens a copy of the default patch at 1280x1000, clicks the slot map's title (it shows in the inspector),
hovers the table's label (its tooltip must lie inside the window), clicks the table's filter field and types
the longest class name (only its row stays; its key must show whole), sets that row's slot and presses Ctrl+S.
Mouse moves, clicks and keys are real X events (XTEST), the class name typed a key at a time; the row's slot is
chosen through the combo's callback, as a click in its list would (the list's items have no place Dear PyGui
reports).

Run as ``python -m tests.editor.table_scenario`` (needs DISPLAY; see test_table_param.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE
from tests.editor.driving import Driver, default_patch_copy, editor, reveal, title_point

TABLE = "param:map:table"


def shown_rows() -> list[int]:
    return [i for i in range(len(DEFAULT_SLOT_TABLE) + 5) if dpg.does_item_exist(f"{TABLE}:{i}:row")
            and dpg.get_item_configuration(f"{TABLE}:{i}:row")["show"]]


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    longest = max(DEFAULT_SLOT_TABLE, key=len)
    out["longest"] = longest
    with default_patch_copy("exsampling-table-") as patch, editor(patch) as app:
        driver = Driver(app)
        reveal(driver, "map")
        driver.click(title_point("map"))
        out["inspector"] = app.inspector.node_id
        width = dpg.get_viewport_client_width()
        # Hover the table's label: its tooltip (doc, default) must wrap inside the window.
        x, y = dpg.get_item_rect_min(f"{TABLE}:label")
        driver.move((x + 5, y + 5))
        app.render(20)
        tip = next(c for c in dpg.get_item_children(dpg.get_item_parent(f"{TABLE}:label"), 1) or []
               if dpg.get_item_type(c) == "mvAppItemType::mvTooltip")
        text = dpg.get_item_children(tip, 1)[0]
        (tx, _), (tw, _) = dpg.get_item_rect_min(text), dpg.get_item_rect_size(text)
        out["tooltip_visible"] = dpg.is_item_visible(text)
        out["tooltip_right"], out["window_width"] = tx + tw, width
        # Find a class by typing into the filter field.
        fx, fy = dpg.get_item_rect_min(f"{TABLE}:filter")
        driver.click((fx + 20, fy + 6))
        driver.type(longest.replace("_", " "))
        rows = shown_rows()
        out["shown"] = [dpg.get_value(f"{TABLE}:{i}:key") for i in rows]
        out["filter"] = dpg.get_value(f"{TABLE}:filter")
        row = rows[0]
        key_cell = f"{TABLE}:{row}:key"
        out["key_width"] = dpg.get_item_rect_size(key_cell)[0]
        out["key_text_width"] = dpg.get_text_size(longest)[0]
        driver.click(title_point("map"))  # leave the filter field (Escape would undo its text), keep the node
        value = f"{TABLE}:{row}:value"
        new_slot = "Bass" if DEFAULT_SLOT_TABLE[longest] != "Bass" else "HH"
        dpg.get_item_callback(value)(value, new_slot, dpg.get_item_user_data(value))
        app.render(5)
        out["new_slot"] = new_slot
        out["filter_kept"] = [dpg.get_value(f"{TABLE}:{i}:key") for i in shown_rows()]
        driver.key("s", "ctrl")
        saved = yaml.safe_load(patch.read_text())
        node = next(n for n in saved["nodes"] if n["id"] == "map")
        out["saved_table"] = node.get("params", {}).get("table")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
