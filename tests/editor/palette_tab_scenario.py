"""A type clicked in the palette while the Performance tab is shown (real clicks): the Patch tab comes to the
front with the new node in view, selected.

Opens a copy of the default patch at 1280x1000. Every event is a real X event (XTEST).

Run as ``python -m tests.editor.palette_tab_scenario`` (needs DISPLAY; see test_palette_tab.py). Prints
one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import Driver, default_patch_copy, editor, press_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-palette-tab-") as patch, editor(patch) as app:
        driver = Driver(app)
        driver.click(press_point("tab:perf"))
        out["perf_shown"] = app.shortcuts.performance_shown()
        before = set(app.model.patch.nodes)
        driver.click(press_point("palette:relay"))
        app.render(5)
        added = sorted(set(app.model.patch.nodes) - before)
        out["added"] = added
        out["perf_shown_after"] = app.shortcuts.performance_shown()
        out["visible"] = [dpg.is_item_visible(f"node:{n}") for n in added]
        out["selection"] = app.selection()
        if added:
            (x, y), (w, h) = dpg.get_item_rect_min(f"node:{added[0]}"), dpg.get_item_rect_size(f"node:{added[0]}")
            out["node_rect"] = [x, y, x + w, y + h]
        out["canvas"] = list(app.patch_view.screen_rect())
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
