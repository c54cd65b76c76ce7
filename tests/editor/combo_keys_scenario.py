"""Keys pressed while a slot list of the inspector is open (the slot map's table, a row's slot combo clicked open)
are the list's (real X events: XTEST): Delete and Backspace delete no node, Ctrl+A selects none, and the list is
still open after them, a slot chosen in it. Before, Dear PyGui's state of an open combo read as nothing being
edited and the keys acted on the patch: mid-show, the node selected was deleted from the running patch.

Run as ``python -m tests.editor.combo_keys_scenario`` (needs DISPLAY; see test_combo_keys.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, map_slot_combo

TABLE = "param:map:table"


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-combo-keys-") as patch, editor(patch) as app:
        # The window at the display's corner: at (100, 100) the inspector's right edge, where the slot column is,
        # lies past the 1280-pixel display, and a click aimed there landed on the key column.
        dpg.set_viewport_pos([0, 0])
        app.render(5)
        driver = Driver(app)
        nodes = list(app.model.patch.nodes)
        combo, x, y, height = map_slot_combo(driver)
        out["inspector"] = app.inspector.node_id
        out["row"], out["slot_before"] = dpg.get_value(f"{TABLE}:0:key"), dpg.get_value(combo)
        out["slots"] = dpg.get_item_configuration(combo)["items"]
        driver.click((x + 20, y + height / 2))  # the first row's slot: its list opens under it
        for name, key, modifiers in (("delete", "Delete", ()), ("backspace", "BackSpace", ()),
                                     ("ctrl_a", "a", ("ctrl",))):
            driver.key(key, *modifiers)
            out[f"nodes_after_{name}"] = [n for n in nodes if n in app.model.patch.nodes]
            out[f"selected_after_{name}"] = sorted(app.selection())
        # The list's second entry, a line (13 px text, 4 px spacing) under the first, which is under the combo:
        # chosen, it shows the list was still open after the keys.
        driver.click((x + 20, y + height + 6 + 17 + 8))
        table = app.model.patch.nodes["map"].params.get("table") if "map" in app.model.patch.nodes else None
        out["slot_after"] = table.get(out["row"]) if isinstance(table, dict) else None
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
