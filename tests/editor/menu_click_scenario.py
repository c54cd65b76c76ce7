"""A click on a node menu's item over the canvas, through real events (XTEST), with the handlers held behind the
frames (Driver.late), as Dear PyGui's callback thread ran them on a loaded machine (the editor now runs them after
each frame, callbacks.py).

Opens a patch of two nodes, one right below the other; right-clicks the top one (it becomes the selection,
marked, and shows in the inspector) and clicks the menu's Copy, which lies over the node below. The handlers
are held from the release's frame until frames later: by the time the release handler runs, the menu is gone
from the screen and the canvas is under the mouse. The click was the
menu's: the top node stays the selection and in the inspector, and is what was copied.

Run as ``python -m tests.editor.menu_click_scenario`` (needs DISPLAY; see test_menu_click.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, press_point, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.node_menu_scenario import right_click, shown

PATCH = """\
exsampling_patch: 1
name: menu click
nodes:
- id: top
  type: folder_source
  position: [100, 60]
  params:
    folder: ../takes/top
- id: below
  type: folder_source
  position: [100, 150]
  params:
    folder: ../takes/below
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-menu-click-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            right_click(driver, title_point("top"))
            point = press_point("node_menu:copy")
            x0, y0, x1, y1 = node_rects()["below"]
            out["copy_over_below"] = x0 <= point[0] <= x1 and y0 <= point[1] <= y1
            driver.move(point)
            driver.input("mousedown", 1)
            with driver.late():  # the release's handler held back (Driver.late) until the menu is gone
                driver.send("mouseup", 1)
                app.render(6)
                out["menu_shown_while_held"] = shown("node_menu")
            driver.frames(5)
            out["selection"] = app.selection()
            out["inspector"] = app.inspector.node_id
            out["copied"] = [spec.id for spec in app.model.clipboard.specs]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
