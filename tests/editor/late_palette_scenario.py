"""A click elsewhere that leaves the palette's search field, taken as the mouse was in its frame: on Dear PyGui's
callback thread the field's deactivated handler ran behind the frames on a loaded machine (the editor now runs it
after its frame, callbacks.py). Here the handlers are held back (Driver.late) while the press and the release on empty
canvas come (real mouse events, XTEST); then they run.
Asked live when the handler ran, the button was up by then: the field still counted as typed in, and Enter, with the
focus given back to the field (an inspector rebuilt under an open combo, combo_enter_scenario.py), added a node.

Run as ``python -m tests.editor.late_palette_scenario`` (needs DISPLAY; see test_late_palette.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.late_mouse_scenario import late
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-late-palette-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            spot = empty_spot((0, 0))
            assert spot is not None
            driver.click(press_point("palette:search"))
            driver.type("tr")
            out["typed_in"] = app.palette._typed_in
            to_spot = ("mousemove", driver.origin[0] + int(spot[0]), driver.origin[1] + int(spot[1]))
            late(driver, [to_spot, ("mousedown", 1), ("mouseup", 1)])
            out["typed_in_after_click_away"] = app.palette._typed_in
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
