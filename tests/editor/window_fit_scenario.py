"""The editor's own window (what ``exsampling edit`` opens) on a screen smaller than its 1400x900: it must lie
inside the screen, the inspector and the status bar in reach.

Runs :meth:`EditorApp.run` on the test display (Xvfb, 1280x1024) and, after some frames, reads where the window
is and how large, and the screen's size (from the X server, as ``xdotool getdisplaygeometry`` tells it), then quits.

Run as ``python -m tests.editor.window_fit_scenario`` (needs DISPLAY; see test_window_fit.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor import xinput
from tests.editor.driving import work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-window-fit-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            rendered = 0
            render = app.render

            def counted(frames: int = 1) -> None:  # render()'s signature, for the method it stands in for
                nonlocal rendered
                render(frames)
                rendered += 1
                if rendered == 20:
                    out["window"] = [*dpg.get_viewport_pos(), dpg.get_viewport_width(), dpg.get_viewport_height()]
                    out["statusbar_bottom"] = dpg.get_item_rect_max("statusbar")[1]
                    app.quit_requested = True

            app.render = counted  # type: ignore[method-assign]
            app.run()
    out["screen"] = list(xinput.display_size())
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
