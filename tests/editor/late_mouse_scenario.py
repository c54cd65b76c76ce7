"""Where the mouse was in the frame of a click or a wheel notch, not where it is when its handler runs: on Dear
PyGui's callback thread the mouse handlers ran behind the frames on a loaded machine (the editor now runs them after
each frame, callbacks.py). Here the handlers are held back (Driver.late) while real mouse events (XTEST) come, a frame
drawn after each, the mouse moved on after the click or notch; then they run. Read when the handlers ran, a wheel
notch over the canvas was lost (the mouse over the palette by then), a right click on a node opened the add-node
pop-up (the mouse over empty canvas by then), a click on empty canvas cleared nothing, and a click on a node while an
inspector field had the keyboard read as a drag.

Run as ``python -m tests.editor.late_mouse_scenario`` (needs DISPLAY; see test_late_mouse.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def late(driver: Driver, events: list[tuple[object, ...]]) -> None:
    """``events`` (``xdotool`` commands) sent, two frames after each, while the handlers are held back; then they run
    and the editor settles."""
    app: EditorApp = driver.app
    with driver.late():  # the handlers held back, as Dear PyGui's callback thread ran them behind the frames
        app.render(2)
        for event in events:
            driver.send(*event)
            app.render(2)
    driver.frames(3)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-late-mouse-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)

            def to(point: tuple[float, float]) -> tuple[object, ...]:
                """The mouse moved to ``point`` of the window, as Driver.move sends it."""
                return ("mousemove", driver.origin[0] + int(point[0]), driver.origin[1] + int(point[1]))

            spot = empty_spot((0, 0))
            assert spot is not None
            palette = press_point("palette:trim")
            away = (palette[0], palette[1] + 200)  # over the palette, below its entries: a click there adds nothing
            # Read as the handlers run: the mouse move handler's point, and the mouse's where it did not move since.
            driver.move(spot)
            out["mouse_then"] = list(app.clicks.mouse_then())
            out["mouse_live"] = list(dpg.get_mouse_pos(local=False))
            out["canvas_under_spot"] = app.clicks.canvas_under(app.clicks.mouse_then())
            out["canvas_under_away"] = app.clicks.canvas_under(away)
            # A wheel notch down over the canvas, the mouse over the palette before its handler runs: the view pans.
            pan = app.patch_view.pan
            late(driver, [("click", 5), to(away)])
            out["wheel_moved"] = [a - b for a, b in zip(app.patch_view.pan, pan, strict=True)]
            # A right click on a node's title, the mouse over empty canvas before its handler runs: the node's menu.
            late(driver, [to(title_point("log")), ("click", 3), to(spot)])
            out["right_click"] = {"node_menu": app.node_menu.shown, "node": app.node_menu.node_id,
                                  "add_popup": app.add_popup.shown}
            driver.key("Escape")
            # A click on a node shows it; one on empty canvas, the mouse over the palette before its handler runs,
            # clears the inspector as on time.
            driver.click(title_point("log"))
            out["shown_before_empty_click"] = app.inspector.node_id
            late(driver, [to(spot), ("mousedown", 1), ("mouseup", 1), to(away)])
            out["shown_after_empty_click"] = app.inspector.node_id
            # A click on a node while an inspector field has the keyboard (imnodes leaves it unselected), the mouse
            # moved on before the release's handler runs: a click, not a drag; the inspector shows that node.
            driver.click(title_point("log"))
            driver.click(press_point("param:log:prefix"))
            late(driver, [to(title_point("library")), ("mousedown", 1), ("mouseup", 1),
                          to(spot)])
            out["shown_after_field_click"] = app.inspector.node_id
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
