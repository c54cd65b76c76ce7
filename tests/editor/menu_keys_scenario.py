"""Keys pressed while a menu of the menu bar is open act on no node (real X events: XTEST): with the Edit menu
clicked open over the patch, Delete and Backspace leave the node selected, Ctrl+A selects no other, and the menu is
still open after them. Before, the keys went to the shortcuts behind the menu: Delete deleted the node selected.
Once the menu is closed (a second click on its title), Delete deletes the node again.

Run as ``python -m tests.editor.menu_keys_scenario`` (needs DISPLAY; see test_menu_keys.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, reveal, title_point

MENU = "menubar:edit"


def menu_open() -> bool:
    return bool(dpg.get_item_state(MENU).get("rect_size", (0, 0))[1] > 0)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-menu-keys-") as patch, editor(patch) as app:
        driver = Driver(app)
        nodes = list(app.model.patch.nodes)
        reveal(driver, "map")
        driver.click(title_point("map"))
        out["selected"] = sorted(app.selection())
        # The menu's title in the menu bar (its position is the window's, which lies at the viewport's corner).
        x, _ = dpg.get_item_pos(MENU)
        title = (x + 12, 10)
        driver.click(title)
        out["open"] = menu_open()
        for name, key, modifiers in (("delete", "Delete", ()), ("backspace", "BackSpace", ()),
                                     ("ctrl_a", "a", ("ctrl",))):
            driver.key(key, *modifiers)
            out[f"nodes_after_{name}"] = [n for n in nodes if n in app.model.patch.nodes]
            out[f"selected_after_{name}"] = sorted(app.selection())
        out["open_after_keys"] = menu_open()
        driver.click(title)
        out["open_after_second_click"] = menu_open()
        driver.key("Delete")
        out["map_after_closed_delete"] = "map" in app.model.patch.nodes
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
