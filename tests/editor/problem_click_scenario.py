"""A problem clicked in the problems panel (a real click) shows its node in the inspector and, when the node is out
of view, pans the canvas to it, so that the composer sees the node to fix.

Opens a patch whose folder source (its required folder missing) lies far off the view, clicks its problem's row
(XTEST), and reads what the inspector shows and where the node is drawn.

Run as ``python -m tests.editor.problem_click_scenario`` (needs DISPLAY; see test_problem_click.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, press_point, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
name: far problem
nodes:
- id: log
  type: log
  position: [20, 40]
- id: inbox
  type: folder_source
  position: [2600, 1800]
links:
- inbox.take -> log.message
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-problem-click-") as work:
        (work / "far.yaml").write_text(PATCH)
        with open_editor(work / "far.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app.problems_panel.problems))]
            out["rows"] = rows
            out["visible_before"] = dpg.is_item_visible("node:inbox")
            index = next(i for i, row in enumerate(rows) if "'inbox'" in row)
            driver.click(press_point(f"problems:{index}"))
            app.render(5)
            out["shown"] = app.inspector.node_id
            out["visible"] = dpg.is_item_visible("node:inbox")
            (x, y), (w, h) = dpg.get_item_rect_min("node:inbox"), dpg.get_item_rect_size("node:inbox")
            out["node"] = [x, y, x + w, y + h]
            out["canvas"] = list(app.patch_view.screen_rect())
            out["position_kept"] = app.model.patch.nodes["inbox"].position == (2600.0, 1800.0)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
