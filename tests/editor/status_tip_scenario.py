"""The status line, cut at the window's edge when long, is read whole in its tooltip, through real mouse events
(XTEST).

Opens the editor's small test patch, puts a status longer than the window in the status line (as a refused swap's
reason is), moves the mouse onto the line and reads the tooltip.

Run as ``python -m tests.editor.status_tip_scenario`` (needs DISPLAY; see test_status_tip.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, press_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH

LONG = ("edit not applied: the patch runs on as before: node 'classifier': parameter 'model': 'nosuch.pt' does "
        "not exist ('model': a model file from `.venv/bin/exsampling train`; empty: the shipped model (everyday and "
        "musical sounds)) END")


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-status-tip-") as work:
        (work / "patches").mkdir()
        (work / "patches" / "p.yaml").write_text(PATCH)
        with open_editor(work / "patches" / "p.yaml", workers=1) as app:
            app.open_viewport(VIEWPORT[0], 800, vsync=False)  # its bottom line on the test display
            drawn(app)
            driver = Driver(app)
            app.say(LONG)
            driver.frames(3)
            (x, _), (w, _) = dpg.get_item_rect_min("statusbar"), dpg.get_item_rect_size("statusbar")
            out["cut"] = x + w > dpg.get_viewport_client_width()
            driver.move(press_point("statusbar"), frames=20)
            out["hovered"] = dpg.is_item_hovered("statusbar")
            out["tip_shown"] = dpg.does_item_exist("statusbar:whole") and dpg.is_item_visible("statusbar:whole")
            out["tip"] = dpg.get_value("statusbar:whole") if dpg.does_item_exist("statusbar:whole") else None
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
