"""Pasted nodes dragged together (real mouse and keys): two linked nodes copied and pasted are marked as the
selection; a drag of one of them by its title moves both, as one undo step, and they stay the selection; a click
(no drag) on one of them then selects that one alone; Ctrl+Z puts both back.

Opens a copy of the default patch at 1280x1000. Every event is a real X event (XTEST).

Run as ``python -m tests.editor.group_drag_scenario`` (needs DISPLAY; see test_group_drag.py). Prints
one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import Driver, default_patch_copy, editor, title_point

DRAG = (120, 60)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-group-") as patch, editor(patch) as app:
        model = app.model
        driver = Driver(app)
        app.copy(["trim", "pitch"])  # as Ctrl+C does with both selected
        driver.key("v", "ctrl")
        pasted = app.selection()
        out["pasted"] = pasted
        before = {n: model.patch.nodes[n].position for n in pasted}
        revision = model.history.revision
        driver.drag(title_point(pasted[1]), DRAG)
        after = {n: model.patch.nodes[n].position for n in pasted}
        out["moved_by"] = {n: [a - b for a, b in zip(after[n] or (), before[n] or (), strict=True)] for n in pasted}
        out["edits"] = model.history.revision - revision
        out["selection_after_drag"] = app.selection()
        driver.click(title_point(pasted[0]))  # away from the nodes they were pasted over
        out["selection_after_click"] = app.selection()
        out["unmoved_by_click"] = {n: model.patch.nodes[n].position == after[n] for n in pasted}
        driver.key("z", "ctrl")
        out["undone"] = {n: model.patch.nodes[n].position == before[n] for n in pasted}
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
