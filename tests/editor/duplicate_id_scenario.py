"""Nodes whose ids end in digits of their own duplicated with Ctrl+D (real clicks and keys, XTEST), then saved.

Opens a sampler ``tr808``, a trim ``mic 2`` and a trim ``trim_2`` at 1280x1000; clicks each title and presses
Ctrl+D, then Ctrl+S. Records the new ids and what the saved file's loader says of it. The digits were taken off
whatever the id: ``tr808`` became ``tr``, and ``mic 2`` became ``mic ``, an id the loader refuses.

Run as ``python -m tests.editor.duplicate_id_scenario`` (needs DISPLAY; see test_duplicate_id.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from exsampling_patch.validate import open_patch
from tests.editor.driving import VIEWPORT, Driver, drawn, title_point, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
nodes:
- {id: tr808, type: sampler, position: [20, 40]}
- {id: mic 2, type: trim, position: [20, 300]}
- {id: trim_2, type: trim, position: [20, 450]}
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"new": []}
    with work_folder("exsampling-duplicate-id-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            for node_id in ("tr808", "mic 2", "trim_2"):
                before = set(app.model.patch.nodes)
                driver.click(title_point(node_id))
                driver.key("d", "ctrl")
                out["new"].append([n for n in app.model.patch.nodes if n not in before])
            driver.key("s", "ctrl")
            out["saved"] = app.status
            out["problems"] = [p.message for p in open_patch(work / "p.yaml", app.model.registry)[2]]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
