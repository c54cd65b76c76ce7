"""A key held down while the window loses the keyboard focus, and let go while another window has it, is a new press
when it comes again (real X events: XTEST, the focus moved as ``xdotool windowfocus`` moves it). Dear PyGui tells no
release then (ImGui forgets its keys down without one), and the shortcuts kept the key as held: back in the window,
the key's next press read as a held key's repeat, and 2 on the Performance tab played no slot.

Run as ``python -m tests.editor.focus_keys_scenario`` (needs DISPLAY; see test_focus_keys.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor import xinput
from tests.editor.driving import Driver, default_patch_copy, editor


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-focus-keys-") as patch, editor(patch) as app:
        driver = Driver(app)
        view = app.perf_view
        dpg.set_value("tabs", "tab:perf")
        driver.frames(3)
        # The patch is not running: a slot key pressed says so, which tells that the key was taken as a press.
        view.message = ""
        driver.key("2")
        out["tapped"] = view.message
        view.message = ""
        driver.input("keydown", "2")
        try:
            out["pressed"] = view.message
            view.message = ""
            with xinput.unfocused():
                driver.frames(3)
                out["x_down_unfocused"] = xinput.is_down("2")
                out["editor_down_unfocused"] = dpg.is_key_down(dpg.mvKey_2)
                driver.input("keyup", "2")  # to no window
        finally:
            driver.send("keyup", "2")  # a key left down stays down for the scenarios after this one
        driver.frames(3)
        out["x_down_refocused"] = xinput.is_down("2")
        driver.key("2")
        out["pressed_again"] = view.message
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
