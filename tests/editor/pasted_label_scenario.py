"""A group of two linked nodes laid side by side, copied and pasted with real keys (XTEST), then linked by a drag.

Opens a confidence gate and a slot map laid 240 px apart (as the add-node pop-up lays them when right-clicked a
step apart), presses Ctrl+A, Ctrl+C and Ctrl+V, and records where the pasted nodes are drawn; then drags a link
from the pasted gate's ``passed`` to the pasted map's ``prediction``. The pasted gate was titled
"confidence_gate_2 : confidence_gate", wider than the node copied: it covered the pasted map's input pins, and the
drop made no link.

Run as ``python -m tests.editor.pasted_label_scenario`` (needs DISPLAY; see test_pasted_label.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
nodes:
- id: confidence_gate
  type: confidence_gate
  position: [20, 40]
- id: slot_map
  type: slot_map
  position: [260, 40]
links:
- confidence_gate.passed -> slot_map.prediction
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-pasted-label-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            out["copied"] = {n: list(r) for n, r in node_rects().items()}
            driver.key("a", "ctrl")
            driver.key("c", "ctrl")
            driver.key("v", "ctrl")
            driver.frames(3)
            rects = node_rects()
            out["pasted"] = {n: list(rects[n]) for n in ("confidence_gate_2", "slot_map_2") if n in rects}
            out["labels"] = [dpg.get_item_label(f"node:{n}") for n in ("confidence_gate_2", "slot_map_2")]
            hints = app.link_hints
            source = hints.pin_point("out:confidence_gate_2.rejected", output=True)
            target = hints.pin_point("in:slot_map_2.rejected", output=False)
            assert source is not None and target is not None
            driver.drag_to(source, target)
            out["links"] = sorted(str(link) for link in app.model.patch.links)
            out["status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
