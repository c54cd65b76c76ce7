"""A click in a window over the canvas (the save-as dialog, the message window) does not select the node under it
(real mouse events: XTEST).

Opens the editor's small test patch in a real (virtual) window, opens Save as and clicks in its list where the
library node's title lies under it, then closes it (Esc); then shows the message window and clicks its text over
that node. The selection and the inspector are read after each.

Run as ``python -m tests.editor.covered_click_scenario`` (needs DISPLAY; see test_covered_click.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def inside(tag: str, point: tuple[float, float]) -> bool:
    (x, y), (w, h) = dpg.get_item_pos(tag), (dpg.get_item_width(tag), dpg.get_item_height(tag))
    return x <= point[0] <= x + (w or 0) and y <= point[1] <= y + (h or 0)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-covered-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            under = title_point("library")
            app.ask_save_as()
            driver.frames(5)
            out["in_dialog"] = inside("dialog:save_as", under)
            driver.click(under)
            out["dialog_selection"], out["dialog_inspector"] = app.selection(), app.inspector.node_id
            driver.key("Escape")
            app.show_message("Cannot open", "a message over the canvas")
            driver.frames(5)
            out["in_message"] = inside("message", under)
            driver.click(under)
            out["message_selection"], out["message_inspector"] = app.selection(), app.inspector.node_id
            driver.key("Escape")
            driver.click(under)  # nothing over it now: the node is clicked
            out["bare_selection"] = app.selection()
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
