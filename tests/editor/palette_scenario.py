"""Adding a node from the palette without the mouse: a click in its search field, a few letters typed and Enter
(real X events: XTEST): the first type listed is added, as in the add-node pop-up; Enter once the canvas has
been clicked adds nothing. A type then clicked in the palette is the selection: Delete removes it.

Run as ``python -m tests.editor.palette_scenario`` (needs DISPLAY; see test_palette_enter.py). Prints
one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-palette-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            before = list(app.model.patch.nodes)
            hint = dpg.get_item_configuration("palette:search")["hint"]
            out["hint_room"] = [dpg.get_text_size(hint)[0], dpg.get_item_rect_size("palette:search")[0]]
            driver.click(press_point("palette:search"))
            for key in ("g", "a", "t", "e"):
                driver.key(key)
            driver.key("Return")
            out["added"] = [n for n in app.model.patch.nodes if n not in before]
            out["shown"] = app.inspector.node_id
            out["visible"] = [n for n in out["added"] if dpg.is_item_visible(f"node:{n}")]
            spot = empty_spot((0, 0))
            assert spot is not None
            driver.click(spot)
            driver.key("Return")
            out["after_canvas_enter"] = len(app.model.patch.nodes) - len(before)
            # The search emptied, a type clicked by mistake, then Delete (the mouse over the canvas): it goes.
            driver.click(press_point("palette:search"))
            driver.key("a", "ctrl")
            driver.key("BackSpace")
            driver.click(press_point("palette:relay"))
            out["added_by_click"] = [n for n in app.model.patch.nodes if n not in before]
            driver.move(spot)
            driver.key("Delete")
            out["after_delete"] = [n for n in app.model.patch.nodes if n not in before]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
