"""F5 and Shift+F5 pressed while a field is being typed in, through real events (XTEST).

Opens a folder source linked to a log at 1280x1000 (the source's folder not set: the patch cannot run yet); clicks
the source's title, clicks its ``folder`` field and types ``inbox``, then presses F5 (the status bar and whether the
patch runs are recorded), Enter and F5 again; then clicks the field, types a letter and presses Shift+F5; then types
in the palette's search and presses F5. Keys belong to the field being typed in: F5 did nothing and said nothing,
Shift+F5 did not stop the patch, and F5 in the search said to press Enter first (which there adds a node).

Run as ``python -m tests.editor.typing_run_scenario`` (needs DISPLAY; see test_typing_run.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import driven, press_point, title_point

PATCH = """\
exsampling_patch: 1
nodes:
- {id: src, type: folder_source, position: [20, 40]}
- {id: log, type: log, position: [300, 40]}
links:
- src.take -> log.message
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-typing-run-", folders=("inbox",)) as driver:
        app = driver.app
        driver.click(title_point("src"))
        driver.click(press_point("param:src:folder"))
        driver.type("inbox")
        driver.key("F5")
        out["typing"] = [app.status, app.runner.running, app.model.patch.nodes["src"].params.get("folder")]
        driver.key("Return")
        driver.key("F5")
        out["taken"] = [app.runner.running, app.model.patch.nodes["src"].params.get("folder")]
        driver.click(press_point("param:src:folder"))
        driver.type("x")
        driver.key("F5", "shift")
        out["stopped"] = [app.runner.running, app.shortcuts.typing()]
        driver.key("Return")  # the folder field's "inboxx" taken: the patch can run from "inboxx", made here
        (app.model.base_dir / "inboxx").mkdir()
        driver.click(press_point("palette:search"))
        driver.type("log")
        driver.key("F5")  # a search typed in is no patch value: F5 runs, as anywhere else
        out["searching"] = [app.runner.running, app.status, app.shortcuts.typing()]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
