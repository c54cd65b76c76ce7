"""Clicks on a node drawn over another, through real mouse and key events (XTEST): what the composer clicked is
what is selected, shown, given a menu and deleted, not the node under it.

Opens a patch of two nodes, the second added over the first (imnodes draws it on top); clicks the top one's title
where the other lies under it, then right-clicks there, then presses Delete.

Run as ``python -m tests.editor.overlap_click_scenario`` (needs DISPLAY; see test_overlap_click.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.node_menu_scenario import right_click

PATCH = """\
exsampling_patch: 1
name: overlap click
nodes:
- id: under
  type: folder_source
  position: [100, 60]
  params:
    folder: ../takes/under
- id: over
  type: folder_source
  position: [140, 90]
  params:
    folder: ../takes/over
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-overlap-click-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            point = title_point("over")
            x0, y0, x1, y1 = node_rects()["under"]
            out["title_over_under"] = x0 <= point[0] <= x1 and y0 <= point[1] <= y1
            driver.move(point)
            out["hovered"] = [n for n in ("under", "over") if dpg.is_item_hovered(f"node:{n}")]
            driver.click(point)
            out["selection"] = app.selection()
            out["inspector"] = app.inspector.node_id
            right_click(driver, point)
            out["menu_for"] = app.node_menu.node_id
            driver.key("Escape")
            driver.move(point)
            driver.key("Delete")
            out["left"] = list(app.model.patch.nodes)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
