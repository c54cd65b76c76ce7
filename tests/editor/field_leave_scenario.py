"""A value typed into an inspector field and left with a click elsewhere (no Enter) is taken, as on Enter; Enter
then a click elsewhere is one edit (real key and mouse events: XTEST).

Opens the editor's small test patch in a real (virtual) window: types a patch name and clicks the empty canvas,
types a log prefix and clicks another node's title (once: it must show), types more of it, presses Enter and
clicks the canvas, and types into the id field and clicks the canvas; the model is read after each. Then it types
into a field and presses Ctrl+S, then Enter and Ctrl+S; then types a description and presses Ctrl+S.

Run as ``python -m tests.editor.field_leave_scenario`` (needs DISPLAY; see test_field_leave.py). Prints
one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-field-leave-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            model = app.model
            spot = empty_spot((0, 0))
            assert spot is not None

            def type_text(text: str) -> None:
                for char in text:
                    driver.key(char)

            driver.click(press_point("patch:name"))
            driver.key("a", "ctrl")
            type_text("river")
            driver.click(spot)
            out["name"] = model.patch.name
            driver.click(title_point("log"))
            driver.click(press_point("param:log:prefix"))
            type_text("abc")
            driver.click(title_point("library"))  # straight to another node
            out["prefix"] = model.patch.nodes["log"].params.get("prefix")
            out["shown"], out["selection"] = app.inspector.node_id, app.selection()  # the first click shows it
            driver.click(title_point("log"))
            driver.click(press_point("param:log:prefix"))
            driver.key("End")
            type_text("d")
            revision = model.history.revision
            driver.key("Return")
            driver.click(spot)
            out["prefix_after_enter"] = model.patch.nodes["log"].params.get("prefix")
            out["edits_for_enter_then_leave"] = model.history.revision - revision
            driver.click(title_point("log"))
            driver.click(press_point("inspector:id"))
            driver.key("End")
            type_text("book")
            driver.click(spot)
            out["ids"] = list(model.patch.nodes)
            # Ctrl+S while typing: the patch is saved as it is, and the status bar says the typed value is not in it.
            driver.click(title_point("logbook"))
            driver.click(press_point("param:logbook:prefix"))
            driver.key("End")
            type_text("xyz")
            driver.key("s", "ctrl")
            out["ctrl_s_status"] = app.status
            out["saved_while_typing"] = "prefix: abcd\n" in (work / "p.yaml").read_text()
            out["still_typing"] = app.shortcuts.typing()
            driver.key("Return")
            driver.key("s", "ctrl")
            out["saved_after_enter"] = "prefix: abcdxyz" in (work / "p.yaml").read_text()
            # The description (Enter makes a new line there, and its text is there to take): Ctrl+S saves it.
            driver.click(spot)  # ends the editing (imnodes takes the press for that alone)
            driver.click(spot)  # nothing selected: the patch's name and description
            driver.click(press_point("patch:description"))
            type_text("night")
            driver.key("s", "ctrl")
            out["description_status"] = app.status
            out["saved_description"] = "description: night" in (work / "p.yaml").read_text()
            out["dirty_after_description"] = model.dirty
            driver.click(spot)
            out["dirty_after_leaving"] = model.dirty  # leaving takes the same text again: no edit
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
