"""The file dialogs take a name typed at once (real key events: XTEST): Ctrl+S on a new patch, a name and Enter
save it; Ctrl+O, a name and Enter open that patch.

Opens the editor on a new patch (no file) in a real (virtual) window whose folder is a temporary one, adds a node,
presses Ctrl+S, types ``mine`` and Enter; then Ctrl+N (nothing unsaved), Ctrl+O, ``mine.yaml`` and Enter.

Run as ``python -m tests.editor.dialog_keys_scenario`` (needs DISPLAY; see test_dialog_keys.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, work_folder
from tests.editor.harness import open_editor


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-dialog-keys-") as work:
        (work / "new.yaml").write_text("exsampling_patch: 1\nname: new\nnodes: []\nlinks: []\n")
        with open_editor(work / "new.yaml", workers=1) as app:
            app.model.path = None  # a new patch, as `exsampling edit` opens one: its dialogs start in the cwd
            os.chdir(work)
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            app.add_node("log")
            driver.frames(3)
            driver.key("s", "ctrl")
            driver.frames(5)  # the dialog shows from the next frame on
            driver.type("mine")
            driver.key("Return")
            out["saved"] = str(app.model.path)
            out["file"] = (work / "mine.yaml").exists()
            driver.key("n", "ctrl")
            out["new"] = list(app.model.patch.nodes)
            driver.key("o", "ctrl")
            driver.frames(5)
            driver.type("mine.yaml")
            driver.key("Return")
            out["opened"] = str(app.model.path)
            out["nodes"] = list(app.model.patch.nodes)
            out["work"] = str(work)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
