"""The editor's callbacks run on the main thread, between frames (callbacks.py), under real key and mouse events
(XTEST): a key press, a mouse click and an item's visible handler, each recording the thread it ran on, beside the
editor's own handlers (Ctrl+A selects the nodes).

Run as ``python -m tests.editor.main_thread_scenario`` (needs DISPLAY; see test_main_thread.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import driven, empty_spot

PATCH = """\
exsampling_patch: 1
nodes:
- {id: trim, type: trim, position: [20, 40]}
links: []
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"main": threading.get_ident()}
    seen: dict[str, set[int]] = {"key": set(), "click": set(), "visible": set()}

    def record(what: str) -> Any:
        return lambda *_: seen[what].add(threading.get_ident())

    with driven(PATCH, "exsampling-main-thread-") as driver:
        with dpg.handler_registry():
            dpg.add_key_press_handler(callback=record("key"))
            dpg.add_mouse_click_handler(callback=record("click"))
        with dpg.item_handler_registry() as visible:
            dpg.add_item_visible_handler(callback=record("visible"))
        dpg.bind_item_handler_registry("statusbar", visible)
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)
        driver.key("a", "ctrl")
        out["status"] = driver.app.status
        out["threads"] = {what: sorted(idents) for what, idents in seen.items()}
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
