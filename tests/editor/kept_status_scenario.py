"""Ctrl+C with nothing selected says the clipboard is kept, until the selection changes: a node clicked on the canvas
then (real X events: XTEST). Before, the status bar went on saying nothing was selected beside the node selected,
and beside what was said after.

Run as ``python -m tests.editor.kept_status_scenario`` (needs DISPLAY; see test_kept_status.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, reveal, title_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-kept-status-") as patch, editor(patch) as app:
        driver = Driver(app)
        reveal(driver, "map")
        out["selected_before"] = app.selection()
        driver.key("c", "ctrl")
        out["after_copy"] = dpg.get_value("statusbar")
        driver.click(title_point("map"))
        out["selected"] = app.selection()
        out["after_click"] = dpg.get_value("statusbar")
        driver.key("c", "ctrl")
        out["after_second_copy"] = dpg.get_value("statusbar")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
