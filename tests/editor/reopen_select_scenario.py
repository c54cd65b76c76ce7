"""A node selected with a click, then another patch opened (real clicks and keys: XTEST): nothing is selected in
the patch opened, so Delete takes nothing from it; a node selected, then the compact display (C): Delete takes that
node. The node editor kept the old selection: the node of the same id
in the patch opened was drawn selected (a blue title, the inspector showing none), and Delete deleted it.

Run as ``python -m tests.editor.reopen_select_scenario`` (needs DISPLAY; see test_reopen_select.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-reopen-") as work:
        (work / "a.yaml").write_text(PATCH)
        (work / "b.yaml").write_text(PATCH.replace("(editor tests)", "(another)"))
        with open_editor(work / "a.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            driver.click(title_point("log"))
            out["selected_before"] = app.selection()
            assert app.files.open(work / "b.yaml")
            drawn(app)
            driver.frames(3)
            out["selected_after"] = app.selection()
            out["inspector"] = app.inspector.node_id
            spot = empty_spot((0, 0))
            assert spot is not None
            driver.move(spot)
            driver.key("Delete")
            out["nodes"] = list(app.model.patch.nodes)
            # C draws every node anew: the node selected stays the one Delete takes (it took the one drawn in its
            # slot, 'inbox' for 'library').
            driver.click(title_point("library"))
            driver.move(spot)
            driver.key("c")
            driver.frames(3)
            out["selected_compact"] = app.selection()
            driver.key("Delete")
            out["nodes_compact"] = list(app.model.patch.nodes)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
