"""What the status bar says after a node is added through the add-node pop-up, a refused link before it (XTEST).

Opens a trim, a pitch and a normalize linked in a row at 1280x1000; drags a link from the normalize's output to the
trim's input (refused: a cycle, and the status bar says why), then right-clicks empty canvas, types ``log`` and
presses Enter, then presses Ctrl+Z. Records the status after each. The cycle's refusal stayed after the log was
added, read as said of it.

Run as ``python -m tests.editor.add_status_scenario`` (needs DISPLAY; see test_add_status.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.add_popup_scenario import right_click
from tests.editor.driving import drag_link, driven, empty_spot

PATCH = """\
exsampling_patch: 1
nodes:
- {id: trim, type: trim, position: [20, 40]}
- {id: pitch, type: pitch, position: [260, 40]}
- {id: norm, type: normalize, position: [500, 40]}
links:
- trim.out -> pitch.take
- pitch.out -> norm.take
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-add-status-") as driver:
        app = driver.app
        drag_link(driver, "out:norm.out", "in:trim.take")
        out["refused"] = app.status
        spot = empty_spot((0, 0))
        assert spot is not None
        right_click(driver, spot)
        driver.type("log")
        driver.key("Return")
        driver.frames(3)
        out["nodes"] = sorted(app.model.patch.nodes)
        out["added"] = app.status
        driver.key("z", "ctrl")
        out["undone"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
