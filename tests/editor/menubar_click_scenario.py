"""A click on an item of a menu-bar menu open over the canvas is the menu's alone (real mouse events, XTEST), with the
handlers held behind the frames (Driver.late), as Dear PyGui's callback thread ran them on a loaded machine before the
editor ran them after each frame (callbacks.py), and the mouse moved on before the release's handler runs.

Ctrl+A marks every node as the selection; the View menu is opened and its Minimap on/off clicked, aimed at the part of
the item that lies over empty canvas; the handlers are held from before the press until the mouse has moved on, over
the canvas. By the time the release handler ran, the menu was gone and the mouse elsewhere:
the click was taken for one on empty canvas too, and cleared the selection. A wheel notch on the item before, its
handler run once the mouse had moved on, panned the canvas under the menu.

Run as ``python -m tests.editor.menubar_click_scenario`` (needs DISPLAY; see test_menubar_click.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, node_rects, work_folder
from tests.editor.harness import open_editor
from tests.editor.late_mouse_scenario import late
from tests.editor.test_app import PATCH

MENU_BAR_H = 22


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-menubar-click-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            driver.key("a", "ctrl")  # every node marked as the selection (none selected in the canvas's own)
            out["selection_before"] = sorted(app.selection())
            x, _ = dpg.get_item_pos("menubar:view")  # its title in the menu bar, at the window's top
            driver.click((x + 12, 10))
            # An open menu's size is its list's (Shortcuts.menu_open), which opens under its title (8 px to its left),
            # below the menu bar; an item's position is within that list. The item's right end lies over the canvas.
            width, _ = dpg.get_item_state("menubar:view")["rect_size"]
            point = (x - 8 + width - 12, MENU_BAR_H + dpg.get_item_pos("menu:minimap")[1] + 6)
            minimap = app.patch_view.minimap
            left, top, width, height = app.patch_view.screen_rect()
            out["item_over_canvas"] = (left <= point[0] < left + width and top <= point[1] < top + height
                                       and not any(x0 - 10 <= point[0] <= x1 + 10 and y0 - 10 <= point[1] <= y1 + 10
                                                   for x0, y0, x1, y1 in node_rects().values()))
            driver.move(point)
            out["menu_open"] = app.shortcuts.menu_open()
            spot = empty_spot((0, 0))
            assert spot is not None
            to_spot = ("mousemove", driver.origin[0] + int(spot[0]), driver.origin[1] + int(spot[1]))
            # A wheel notch on the item, the mouse moved on before its handler runs: the menu's, not the canvas's.
            pan = app.patch_view.pan
            late(driver, [("click", 5), to_spot])
            out["wheel_moved"] = [a - b for a, b in zip(app.patch_view.pan, pan, strict=True)]
            out["menu_open_after_wheel"] = app.shortcuts.menu_open()
            driver.move(point)
            late(driver, [("mousedown", 1), ("mouseup", 1), to_spot])
            out["menu_open_after"] = app.shortcuts.menu_open()
            out["minimap_toggled"] = app.patch_view.minimap != minimap
            out["selection"] = sorted(app.selection())
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
