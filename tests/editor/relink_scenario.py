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

from tests.editor.driving import drag_link, driven

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
    with driven(PATCH, "exsampling-relink-") as driver:
        app = driver.app
        for start, end in (("out:trim.out", "in:classifier.take"), ("in:classifier.take", "out:trim.out")):
            drag_link(driver, start, end)
            driver.frames(3)
            out["drops"].append([app.status, [str(link) for link in app.model.patch.links]])
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
