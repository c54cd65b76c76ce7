"""After a refused link, a link dragged to that input's pin, beside its name, is made (real mouse events: XTEST).

Opens a patch of a folder source, a classifier and a trim; drags the classifier's prediction to the trim's take
input (refused: the reason shows at the input), then drags the source's take to the same input's pin, where the
link hints have it (level with the input's name), and reads the links.

Run as ``python -m tests.editor.refused_pin_scenario`` (needs DISPLAY; see test_refused_pin.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import drag_link, driven

PATCH = """\
exsampling_patch: 1
name: refused pin
nodes:
- id: src
  type: folder_source
  position: [60, 40]
  params:
    folder: takes
- id: cls
  type: classifier
  position: [60, 260]
- id: tr
  type: trim
  position: [420, 140]
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-refused-pin-", folders=("takes",)) as driver:
        app = driver.app
        drag_link(driver, "out:cls.prediction", "in:tr.take")
        driver.frames(5)
        out["refusal_shown"] = dpg.is_item_shown("refusal:tr.take")
        drag_link(driver, "out:src.take", "in:tr.take")
        driver.frames(5)
        out["links"] = [str(link) for link in app.model.patch.links]
        out["status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
