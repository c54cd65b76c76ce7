"""Nodes added to an empty patch through the add-node pop-up (real right clicks and keys, XTEST).

Opens a patch with no node at 1280x1000; right-clicks the empty canvas, types ``trim`` and presses Enter, then
does the same at a second spot. Records where each right click was and where each node is drawn. No node was drawn
yet when the first was placed, so the canvas's place on screen was guessed: from the tab's corner, 54 px above the
canvas.

Run as ``python -m tests.editor.first_node_scenario`` (needs DISPLAY; see test_first_node.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.add_popup_scenario import right_click
from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, work_folder
from tests.editor.harness import open_editor

SPOTS = [(400, 300), (700, 300)]


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"spots": SPOTS, "corners": []}
    with work_folder("exsampling-first-node-") as work:
        (work / "p.yaml").write_text("exsampling_patch: 1\nnodes: []\n")
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            for spot in SPOTS:
                before = set(app.model.patch.nodes)
                right_click(driver, spot)
                driver.type("trim")
                driver.key("Return")
                driver.frames(3)
                added = [n for n in app.model.patch.nodes if n not in before]
                out["corners"].append([list(node_rects()[n][:2]) for n in added])
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
