"""The unsaved-changes prompt and the message window answer Enter (real key events: XTEST): Ctrl+N with a change
unsaved, then Enter saves it and makes the new patch; Enter closes the message window.

Run as ``python -m tests.editor.prompt_keys_scenario`` (needs DISPLAY; see test_prompt_keys.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-prompt-keys-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            driver.move(empty_spot((0, 0)) or (600, 500))
            app.add_node("relay")
            driver.key("n", "ctrl")
            out["prompt_shown"] = dpg.get_item_configuration("prompt")["show"]
            driver.key("Return")
            out["prompt_after"] = dpg.get_item_configuration("prompt")["show"]
            out["saved"] = "relay" in (work / "p.yaml").read_text()
            out["new"] = [list(app.model.patch.nodes), app.model.path is None]
            app.show_message("Cannot open", "a message")
            driver.frames(3)
            out["message_shown"] = dpg.get_item_configuration("message")["show"]
            driver.key("Return")
            out["message_after"] = dpg.get_item_configuration("message")["show"]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
