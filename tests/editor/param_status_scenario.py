"""What the status bar says after a parameter is set, through real events (XTEST): a link dragged, then a value typed.

Opens a confidence gate and a slot map at 1280x1000; drags a link from the gate's ``passed`` to the map's
``prediction`` (the status bar says "linked ..."), clicks the gate's title, Ctrl+clicks its ``threshold`` slider,
types 0.6 and Enter, then presses Ctrl+Z. Records the status after each. The link's "linked ..." stayed after the
value was set, read as what was just done.

Run as ``python -m tests.editor.param_status_scenario`` (needs DISPLAY; see test_param_status.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import drag_link, driven, press_point, title_point

PATCH = """\
exsampling_patch: 1
nodes:
- id: gate
  type: confidence_gate
  position: [20, 40]
- id: map
  type: slot_map
  position: [300, 40]
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-param-status-") as driver:
        app = driver.app
        drag_link(driver, "out:gate.passed", "in:map.prediction")
        out["linked"] = app.status
        driver.click(title_point("gate"))
        driver.move(press_point("param:gate:threshold"))
        with driver.holding("ctrl", after=3):
            driver.input("click", "1")
        driver.key("a", "ctrl")
        driver.type("0.6")
        driver.key("Return")
        driver.frames(5)
        out["threshold"] = app.model.patch.nodes["gate"].params.get("threshold")
        out["set"] = app.status
        driver.key("z", "ctrl")
        out["undone"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
