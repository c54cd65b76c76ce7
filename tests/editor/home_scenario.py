"""Home on a patch small enough to show whole, then on the same patch with a node dragged far off to the right
(real key and mouse events): what the status bar says after each.

Run as ``python -m tests.editor.home_scenario`` (needs DISPLAY; see test_navigate.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, canvas_box, drawn, empty_spot, title_point, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
name: small
nodes:
- id: trim
  type: trim
  position: [40, 40]
- id: log
  type: log
  position: [340, 40]
links:
- {from: trim.take, to: log.message}
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-home-") as work:
        (work / "small.yaml").write_text(PATCH)
        with open_editor(work / "small.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            out["opened_status"] = app.status
            driver.move(empty_spot((0, 0)) or (600, 500))
            driver.key("Home")
            out["small_status"] = app.status
            # The log dragged by its title to the canvas's right edge, three times (the view pans in between):
            # the patch is then wider than the view.
            for _ in range(3):
                x1 = canvas_box()[2]
                start = title_point("log")
                driver.drag(start, (x1 - start[0] - 20, 0))
                driver.key("Right", "shift")
            driver.key("Home")
            out["wide_status"] = app.status
            out["log_x"] = app.model.patch.nodes["log"].position
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
