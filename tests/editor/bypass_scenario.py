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

from tests.editor.driving import VIEWPORT, Driver, drawn, work_folder
from tests.editor.harness import open_editor

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
    with work_folder("exsampling-bypass-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            hints = app.link_hints
            source = hints.pin_point("out:gate.rejected", output=True)
            target = hints.pin_point("in:map.prediction", output=False)
            assert source is not None and target is not None
            driver.drag_to(source, target)
            driver.frames(3)
            out["linked"] = [sorted(str(link) for link in app.model.patch.links), app.problems_panel._texts]
            driver.key("z", "ctrl")
            driver.frames(3)
            out["undone"] = [sorted(str(link) for link in app.model.patch.links), app.problems_panel._texts]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
