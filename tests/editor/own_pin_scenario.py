"""A link dropped on its own node's pin drawn over another node's pin (the nodes overlap), through real mouse events.

Opens a slot map and a sampler at 1280x1000, drags the sampler by its title (XTEST) until its ``assign`` pin lies
on the slot map's ``take`` pin (the sampler drawn on top: imnodes raises the node dragged), then drags a link from
the sampler's own ``loaded`` output to that spot. imnodes drops it on the pin on top, the sampler's own, and makes
no link; the status bar said nothing (the slot map's pin under it read as a link made, or refused by the model).
Then the same the other way: the sampler's output laid on the slot map's, a link dragged from the sampler's input.

Run as ``python -m tests.editor.own_pin_scenario`` (needs DISPLAY; see test_own_pin.py). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.covered_pin_scenario import PATCH
from tests.editor.driving import drag_link, driven, title_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-own-pin-") as driver:
        app, hints = driver.app, driver.app.link_hints
        below, above = hints.pin_point("in:map.take", output=False), hints.pin_point("in:sampler.assign", False)
        assert below is not None and above is not None
        driver.drag(title_point("sampler"), (below[0] - above[0], below[1] - above[1]))
        out["pins"] = [hints.pin_point("in:map.take", False), hints.pin_point("in:sampler.assign", False)]
        app.status = ""
        drag_link(driver, "out:sampler.loaded", "in:sampler.assign")
        driver.frames(3)
        out["links"] = [str(link) for link in app.model.patch.links]
        out["status"] = app.status
        # The other way: the sampler's ``loaded`` output laid on the slot map's ``slot`` output, and a link dragged
        # from the sampler's own input to that spot.
        below, above = hints.pin_point("out:map.slot", output=True), hints.pin_point("out:sampler.loaded", True)
        assert below is not None and above is not None
        driver.drag(title_point("sampler"), (below[0] - above[0], below[1] - above[1]))
        out["output_pins"] = [hints.pin_point("out:map.slot", True), hints.pin_point("out:sampler.loaded", True)]
        app.status = ""
        drag_link(driver, "in:sampler.assign", "out:sampler.loaded")
        driver.frames(3)
        out["links_from_input"] = [str(link) for link in app.model.patch.links]
        out["status_from_input"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
