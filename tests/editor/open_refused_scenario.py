"""A file that is no patch, chosen in the Open dialog with real keys and clicks: the message window must show why.

Opens the editor's small test patch in a real (virtual) window, presses Ctrl+O (real keys: XTEST), types the name of a
file with a YAML syntax error into the dialog's name field and presses Enter, then reads whether the message
window is shown, and with what; then clicks the dialog's *Open* on the same file (Ctrl+O again, the file's row
clicked), and presses Esc, which must close the message.

Run as ``python -m tests.editor.open_refused_scenario`` (needs DISPLAY; see test_open_refused.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from tests.editor.driving import VIEWPORT, Driver, drawn, press_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH

BROKEN = "exsampling_patch: 1\nnodes:\n- id: a\n  type: trim\n  params: {top_db: [1, 2}\n"


def message() -> dict[str, Any]:
    return {"shown": dpg.is_item_visible("message"), "title": dpg.get_item_label("message"),
            "text": dpg.get_value("message:text")}


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-open-refused-") as work:
        (work / "patches").mkdir()
        (work / "patches" / "p.yaml").write_text(PATCH)
        (work / "patches" / "broken.yaml").write_text(BROKEN)
        with open_editor(work / "patches" / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            # The name typed and Enter.
            driver.key("o", "ctrl")
            app.render(5)
            driver.click(press_point("dialog:open:name"))
            for key in ("b", "r", "o", "k", "e", "n", "period", "y", "a", "m", "l"):
                driver.key(key)
            driver.key("Return")
            app.render(10)
            out["typed"] = {**message(), "status": app.status, "path": str(app.model.path)}
            driver.key("Escape")
            out["after_escape"] = dpg.is_item_visible("message")
            # The file's row clicked, then Open.
            driver.key("o", "ctrl")
            app.render(5)
            row = next(i for i, entry in enumerate(dialogs.OPEN["dialog:open"].entries) if entry.name == "broken.yaml")
            driver.click(press_point(f"dialog:open:entry:{row}"))
            driver.click(press_point("dialog:open:ok"))
            app.render(10)
            out["clicked"] = message()
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
