"""A link dropped on an input pin drawn over another node's input pin (the nodes overlap), through real mouse events.

Opens a slot map and a sampler at 1280x1000, drags the sampler by its title (XTEST) until its ``assign`` pin lies
on the slot map's ``take`` pin (a node added or pasted onto another is laid so), then drags a link from the slot
map's ``slot`` output (clear of the sampler, which is narrower) to that spot. imnodes links the pin drawn on top,
the sampler's; the status bar said "no link: ... on the same node", read off the slot map's pin under it.

Run as ``python -m tests.editor.covered_pin_scenario`` (needs DISPLAY; see test_covered_pin.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import drag_link, driven, title_point

PATCH = """\
exsampling_patch: 1
nodes:
- id: map
  type: slot_map
  position: [20, 40]
- id: sampler
  type: sampler
  position: [20, 360]
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-covered-pin-") as driver:
        app, hints = driver.app, driver.app.link_hints
        below, above = hints.pin_point("in:map.take", output=False), hints.pin_point("in:sampler.assign", False)
        assert below is not None and above is not None
        driver.drag(title_point("sampler"), (below[0] - above[0], below[1] - above[1]))
        out["pins"] = [hints.pin_point("in:map.take", False), hints.pin_point("in:sampler.assign", False)]
        drag_link(driver, "out:map.slot", "in:sampler.assign")
        driver.frames(3)
        out["links"] = [str(link) for link in app.model.patch.links]
        out["status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
