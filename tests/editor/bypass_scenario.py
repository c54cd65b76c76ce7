"""A gate's ``rejected`` linked into the slot map's ``prediction`` beside its ``passed``, by a real mouse drag
(XTEST), and what the problems panel under the patch then lists.

Opens a confidence gate and a slot map at 1280x1000, ``passed -> prediction`` linked; drags a link from the gate's
``rejected`` to the map's ``prediction`` (the types fit: the link is made), then presses Ctrl+Z. Records the links
and the panel's lines after each.

Run as ``python -m tests.editor.bypass_scenario`` (needs DISPLAY; see test_bypass_warning.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import drag_link, driven

PATCH = """\
exsampling_patch: 1
nodes:
- id: gate
  type: confidence_gate
  position: [20, 40]
- id: map
  type: slot_map
  position: [300, 40]
links:
- gate.passed -> map.prediction
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-bypass-") as driver:
        app = driver.app
        drag_link(driver, "out:gate.rejected", "in:map.prediction")
        driver.frames(3)
        out["linked"] = [sorted(str(link) for link in app.model.patch.links), app.problems_panel._texts]
        driver.key("z", "ctrl")
        driver.frames(3)
        out["undone"] = [sorted(str(link) for link in app.model.patch.links), app.problems_panel._texts]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
