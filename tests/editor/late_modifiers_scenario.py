"""Ctrl and Shift read as they were in the frame a key was pressed in, not when its handler runs: Dear PyGui runs key
handlers on its callback thread, behind the frames on a loaded machine. Here that thread waits on a frame callback
while real keys (XTEST) are pressed and let go, a frame drawn after each, then goes on. Read when the handlers ran,
Ctrl+Z with Ctrl let go by then read as Z (no undo), Ctrl+Shift+Z with Shift let go as Ctrl+Z (an undo, not a redo),
and C or 2 pressed before Ctrl as Ctrl+C (a copy, not the compact display) or Ctrl+2 (no slot played).

Run as ``python -m tests.editor.late_modifiers_scenario`` (needs DISPLAY; see test_late_modifiers.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor import xinput
from tests.editor.driving import Driver, default_patch_copy, editor


def late(driver: Driver, events: list[tuple[str, str]]) -> None:
    """``events`` (``keydown``/``keyup``, key) sent, two frames after each, while the callback thread waits; then the
    thread let go and its handlers settled, and only then the keys still down let go (also when this raises: one left
    down stays down on the test display for the scenarios after this one)."""
    app: EditorApp = driver.app
    gate = threading.Event()
    dpg.set_frame_callback(dpg.get_frame_count() + 1, lambda: gate.wait(10))
    try:
        app.render(2)  # the frame callback's frame: the callback thread waits from here
        for event in events:
            driver.send(*event)
            app.render(2)
        gate.set()
        driver.frames(3)
    finally:
        gate.set()
        for key in {key for _, key in events}:
            if xinput.is_down(key):
                driver.send("keyup", key)
    driver.frames(3)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-late-modifiers-") as patch, editor(patch) as app:
        driver = Driver(app)
        model = app.model
        out["threshold_before"] = model.param_value("gate", "threshold")
        assert model.set_param("gate", "threshold", 0.123) is None
        driver.frames(3)
        out["threshold_set"] = model.param_value("gate", "threshold")
        # Ctrl+Z, Ctrl let go before the handlers run: an undo, as on time.
        late(driver, [("keydown", "ctrl"), ("keydown", "z"), ("keyup", "z"), ("keyup", "ctrl")])
        out["threshold_after_ctrl_z"] = model.param_value("gate", "threshold")
        # Ctrl+Shift+Z, Shift let go before the handlers run (Ctrl still down then): a redo, not a second undo.
        late(driver, [("keydown", "ctrl"), ("keydown", "shift"), ("keydown", "z"), ("keyup", "z"), ("keyup", "shift")])
        out["threshold_after_ctrl_shift_z"] = model.param_value("gate", "threshold")
        # C, then Ctrl pressed (and held) before the handlers run: the compact display, not a copy.
        compact = app.patch_view.compact
        late(driver, [("keydown", "c"), ("keyup", "c"), ("keydown", "ctrl")])
        out["compact_toggled_by_c"] = app.patch_view.compact != compact
        # The Performance tab, the patch not running: a slot key pressed says so, which tells it was taken as 2.
        dpg.set_value("tabs", "tab:perf")
        driver.frames(3)
        app.perf_view.message = ""
        late(driver, [("keydown", "2"), ("keyup", "2"), ("keydown", "ctrl")])
        out["told_after_2"] = app.perf_view.message
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
