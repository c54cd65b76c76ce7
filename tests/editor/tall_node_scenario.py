"""A node added from the right-click menu just above a tall node (a sampler, pins down its side) lands clear of
it, through real mouse events (XTEST).

Opens a patch of one sampler, right-clicks on empty canvas 50 pixels above its title, adds a relay there (as the
pop-up's item does) and reads where both are drawn.

Run as ``python -m tests.editor.tall_node_scenario`` (needs DISPLAY; see test_tall_node.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, work_folder
from tests.editor.harness import open_editor
from tests.editor.node_menu_scenario import right_click

PATCH = """\
exsampling_patch: 1
name: tall node
nodes:
- id: sampler
  type: sampler
  position: [100, 160]
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-tall-node-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            x0, y0, _, _ = node_rects()["sampler"]
            right_click(driver, (x0 + 10, y0 - 50))
            out["popup"] = bool(dpg.get_item_configuration("add_popup")["show"])
            app.add_popup.hide()
            node_id = app.add_node("relay")
            driver.frames(10)
            rects = node_rects()
            out["sampler"], out["added"] = rects["sampler"], rects.get(str(node_id))
            out["scale"] = app.navigator.view.scale
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
