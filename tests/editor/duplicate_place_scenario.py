"""Ctrl+D's copy placed where a paste of the same nodes goes: whole in view, covering no node.

Opens a copy of the default patch (in the folder given) at 1280x1000; duplicates one node, then trim, pitch and
classifier (a row of linked nodes), each through the app's action (Ctrl+D's), recording where the copies are drawn
and every other node; each undone, then the same nodes copied and pasted (Ctrl+V's action), recording where those
land.

Run as ``python -m tests.editor.duplicate_place_scenario FOLDER`` (needs DISPLAY; see test_duplicate_place.py).
Prints one JSON object.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import REPO, VIEWPORT, drawn, node_rects
from tests.editor.harness import open_editor

GROUPS = {"one": ["gate"], "row": ["trim", "pitch", "classifier"]}


def added(app: EditorApp, act: Callable[[], list[str]]) -> dict[str, Any]:
    """What ``act`` added: the new nodes' positions and on-screen rectangles, and every other node's."""
    new = act()
    app.render(3)
    rects = node_rects()
    return {"new": new, "positions": [list(app.model.patch.nodes[n].position or ()) for n in new],
            "rects": [rects.get(n) for n in new], "others": [r for n, r in rects.items() if n not in new],
            "canvas": list(app.patch_view.screen_rect()), "status": app.status}


def main(folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    patch = Path(folder) / "exsampling.yaml"
    shutil.copy(REPO / "patches" / "exsampling.yaml", patch)
    with open_editor(patch, workers=1) as app:
        app.open_viewport(*VIEWPORT, vsync=False)
        drawn(app)
        for name, group in GROUPS.items():
            out[f"{name}_duplicated"] = added(app, functools.partial(app.duplicate, group))
            app.undo()
            app.render(3)
            app.copy(group)
            out[f"{name}_pasted"] = added(app, app.paste)
            app.undo()
            app.render(3)
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
    sys.stdout.flush()
