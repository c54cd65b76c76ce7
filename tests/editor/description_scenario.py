"""A long patch description typed into the inspector (real clicks and typing): once the field is left it is shown
wrapped to the inspector's width; a click on it opens the field again, to type more.

Opens the editor's small test patch in a real (virtual) window with no node selected (the inspector shows the
patch's name and description). Clicks and keys are real X events (XTEST), the text typed a key at a time, Shift
around a capital.

Run as ``python -m tests.editor.description_scenario`` (needs DISPLAY; see test_description.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH

LONG = "Takes from the phone in the street, sorted by the classifier into dogs, doors and buses, then played"


def rect(tag: str) -> list[float]:
    (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
    return [float(x), float(y), float(w), float(h)]


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-description-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            model = app.model
            spot = empty_spot((0, 0))
            assert spot is not None
            out["field_first"] = dpg.is_item_shown("patch:description")  # empty: the field, to click into
            driver.click(press_point("patch:description"))
            driver.type(LONG, frames=0)  # 100 characters: the settling's frame after each lets every one in
            driver.click(spot)
            out["typed"] = model.patch.description
            out["shown"] = dpg.is_item_shown("patch:description:shown")
            out["field_after"] = dpg.is_item_shown("patch:description")
            out["shown_rect"] = rect("patch:description:shown")
            out["line_height"] = rect("patch:name")[3]
            driver.click(press_point("patch:description:shown"))
            out["field_again"] = dpg.is_item_shown("patch:description")
            out["active_again"] = bool(dpg.get_item_state("patch:description").get("active"))
            driver.key("End", "ctrl")
            driver.type(" at night", frames=0)
            driver.click(spot)
            out["typed_more"] = model.patch.description
            out["shown_more"] = dpg.get_value("patch:description:shown")
            driver.key("z", "ctrl")
            out["undone"] = model.patch.description
            out["shown_undone"] = dpg.get_value("patch:description:shown")
            out["shown_after_undo"] = dpg.is_item_shown("patch:description:shown")
    out["long"] = LONG
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
