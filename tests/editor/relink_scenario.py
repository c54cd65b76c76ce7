"""A link dragged again where it already is, through real mouse events (XTEST): from the output, then from the input.

Opens a trim linked to a classifier at 1280x1000; drags from the trim's ``out`` to the classifier's ``take`` (the
link there already), then from the classifier's ``take`` back to the trim's ``out``. Records the links and the
status bar after each. imnodes makes no link where one is: the drop did nothing and the status bar said nothing.

Run as ``python -m tests.editor.relink_scenario`` (needs DISPLAY; see test_relink.py). Prints one JSON object.
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
- {id: trim, type: trim, position: [20, 40]}
- {id: classifier, type: classifier, position: [300, 40]}
links:
- trim.out -> classifier.take
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"drops": []}
    with work_folder("exsampling-relink-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            hints = app.link_hints
            output, into = hints.pin_point("out:trim.out", output=True), hints.pin_point("in:classifier.take", False)
            assert output is not None and into is not None
            for start, end in ((output, into), (into, output)):
                driver.drag_to(start, end)
                driver.frames(3)
                out["drops"].append([app.status, [str(link) for link in app.model.patch.links]])
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
