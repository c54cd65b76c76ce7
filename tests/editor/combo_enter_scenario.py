"""Enter after a slot combo of the inspector was opened and the selection changed under it (Ctrl+A) adds no node
(real X events: XTEST). Before, the palette's search field, never clicked, was given the keyboard focus when the
inspector's widgets were rebuilt under the open combo, and Enter added the first type of the palette (a
folder_source without its folder) to the running patch. The same after a type added from the palette with Enter:
that Enter left the field with no mouse button down, so it still counted as typed in, and the Enter after the combo
added that type again.

Run as ``python -m tests.editor.combo_enter_scenario`` (needs DISPLAY; see test_combo_enter.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.shortcuts import list_open
from tests.editor.driving import Driver, default_patch_copy, editor, map_slot_combo, press_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-combo-enter-") as patch, editor(patch) as app:
        # The window at the display's corner: at (100, 100) the slot column lay past the 1280-pixel display, and
        # the click aimed at it landed short of it (the pointer stops at the display's edge): no list opened.
        dpg.set_viewport_pos([0, 0])
        app.render(5)
        driver = Driver(app)
        before = list(app.model.patch.nodes)
        driver.click(press_point("palette:search"))
        driver.type("gate")
        driver.key("Return")  # a type added from the palette, typed for: the field keeps "gate"
        out["typed"] = [n for n in app.model.patch.nodes if n not in before]
        before = list(app.model.patch.nodes)
        combo, x, y, height = map_slot_combo(driver)
        out["inspector"] = app.inspector.node_id
        driver.click((x + 20, y + height / 2))  # the first row's slot: its list opens
        out["list_open"] = list_open(combo)
        driver.key("a", "ctrl")
        driver.key("Return")
        out["added"] = [n for n in app.model.patch.nodes if n not in before]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
