"""Ctrl and Shift read as they were in the frame a key was pressed in, not when its handler runs: on Dear PyGui's
callback thread the key handlers ran behind the frames on a loaded machine (the editor now runs them after each frame,
callbacks.py). Here the handlers are held back (Driver.late) while real keys (XTEST) are pressed and let go, a frame
drawn after each; then they run. Read when the handlers ran,
Ctrl+Z with Ctrl let go by then read as Z (no undo), Ctrl+Shift+Z with Shift let go as Ctrl+Z (an undo, not a redo),
and C or 2 pressed before Ctrl as Ctrl+C (a copy, not the compact display) or Ctrl+2 (no slot played). The mouse's
handlers too: Shift+wheel with Shift let go by then panned down, not sideways.

Run as ``python -m tests.editor.late_modifiers_scenario`` (needs DISPLAY; see test_late_modifiers.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor import xinput
from tests.editor.driving import Driver, canvas_box, default_patch_copy, editor, empty_spot, node_rects, title_point


def late(driver: Driver, events: list[tuple[str, str | int]]) -> None:
    """``events`` (``keydown``/``keyup``, key; or ``click``, a mouse button: 4 a wheel notch up) sent, two frames after
    each, while the handlers are held back; then they run and the editor settles, and only then the keys
    still down let go (also when this raises: one left down stays down on the test display for the scenarios after
    this one)."""
    app: EditorApp = driver.app
    try:
        with driver.late():  # the handlers held back, as Dear PyGui's callback thread ran them behind the frames
            app.render(2)
            for event in events:
                driver.send(*event)
                app.render(2)
        driver.frames(3)
    finally:
        for key in {str(key) for what, key in events if what == "keydown"}:
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
        # Shift+wheel over the canvas, Shift let go before the handlers run: sideways, as on time.
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.move(spot)
        pan = app.patch_view.pan
        late(driver, [("keydown", "shift"), ("click", 4), ("keyup", "shift")])
        out["shift_wheel_up_moved"] = [a - b for a, b in zip(app.patch_view.pan, pan, strict=True)]
        # Two nodes selected by a click and a Ctrl+click, then a Ctrl+click on the second, Ctrl let go before the
        # handlers run: imnodes takes it out of the selection, as on time; read as a plain click, the editor made it
        # the selection alone.
        x0, y0, x1, y1 = canvas_box()
        first, second = [node for node in node_rects() if x0 < title_point(node)[0] < x1 - 60
                         and y0 < title_point(node)[1] < y1 - 30][:2]
        driver.click(title_point(first))
        with driver.holding("ctrl"):
            driver.click(title_point(second))
        out["selected_by_ctrl_click"] = sorted(app.selection()) == sorted([first, second])
        late(driver, [("keydown", "ctrl"), ("mousedown", 1), ("mouseup", 1), ("keyup", "ctrl")])
        out["selected_after_late_ctrl_click"] = ["first" if node == first else "second" for node in app.selection()]
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
