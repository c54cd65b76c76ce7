"""A patch opened with a node that failed at its start (``exsampling edit --run``): the node is raised over its
neighbours, hidden for the first frame (PatchView._raise), and the opening's fit waits for it to be drawn.

Opens a row of four nodes narrower than the canvas, the last one failed before any frame, renders until the patch
is drawn and still, and reads the status bar and where each node is drawn.

Run as ``python -m tests.editor.raised_open_scenario`` (needs DISPLAY; see test_raised_open.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from exsampling_patch.editor.observer import NodeLive
from tests.editor.driving import VIEWPORT, drawn, node_rects, work_folder
from tests.editor.harness import open_editor

#: Four log nodes 160 apart: 680 px wide with the failed one's error (the canvas is 747 px wide), 480 without it.
PATCH = "exsampling_patch: 1\nname: raised\nnodes:\n" + "".join(
    f"- id: n{i}\n  type: log\n  position: [{40 + 160 * i}, 80]\n" for i in range(4)) + "links: []\n"


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-raised-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            app.patch_view.show_live("n3", NodeLive(error="failed at its start"))  # as the runner tells it
            drawn(app)
            out["status"] = app.status
            out["canvas"] = list(app.patch_view.screen_rect())
            out["rects"] = node_rects()
            out["nodes"] = list(app.model.patch.nodes)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
