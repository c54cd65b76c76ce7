"""The node menu's Delete with links selected, through real events (XTEST), as the Delete key takes them.

Opens a patch of three nodes: inbox feeding library, far apart on one row, and spare above the link between
them. A box drawn around spare, reaching down across that link, selects spare and the link (not the two nodes
the link joins); a right click on spare, then a click on the menu's Delete: spare and the link go, one Ctrl+Z
brings both back. Then a click on empty canvas and one on the link select it alone, and a right click on
spare (not selected) makes spare the selection alone, as a left click would: the menu's Delete takes spare and
leaves the link.

Run as ``python -m tests.editor.menu_delete_scenario`` (needs DISPLAY; see test_menu_delete.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, press_point, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.node_menu_scenario import right_click

PATCH = """\
exsampling_patch: 1
name: menu delete
nodes:
- id: inbox
  type: folder_source
  position: [40, 320]
  params:
    folder: ../takes/inbox
- id: library
  type: take_writer
  position: [700, 320]
  params:
    folder: ../takes/library
- id: spare
  type: folder_source
  position: [380, 60]
  params:
    folder: ../takes/spare
links:
- {from: inbox.take, to: library.take}
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-menu-delete-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            view, model = app.patch_view, app.model
            start = app.link_hints.pin_point("out:inbox.take", output=True)
            end = app.link_hints.pin_point("in:library.take", output=False)
            assert start is not None and end is not None
            spare = node_rects()["spare"]
            link_y = (start[1] + end[1]) / 2
            corner = (spare[0] - 15, spare[1] - 25)
            driver.drag(corner, (spare[2] + 15 - corner[0], link_y + 30 - corner[1]))
            out["box_nodes"] = view.selected_nodes()
            out["box_links"] = [str(link) for link in view.selected_links()]
            right_click(driver, title_point("spare"))
            driver.click(press_point("node_menu:delete"))
            out["nodes_after_delete"] = sorted(model.patch.nodes)
            out["links_after_delete"] = [str(link) for link in model.patch.links]
            out["status_after_delete"] = app.status
            driver.key("z", "ctrl")
            out["nodes_after_undo"] = sorted(model.patch.nodes)
            out["links_after_undo"] = [str(link) for link in model.patch.links]

            driver.click((corner[0], corner[1] - 10))  # empty canvas: the undo's marks on spare go
            driver.click(((start[0] + end[0]) / 2, link_y))
            out["clicked_links"] = [str(link) for link in view.selected_links()]
            right_click(driver, title_point("spare"))
            out["links_on_menu"] = [str(link) for link in view.selected_links()]
            driver.click(press_point("node_menu:delete"))
            out["nodes_after_second"] = sorted(model.patch.nodes)
            out["links_after_second"] = [str(link) for link in model.patch.links]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
