"""A link dragged from an output and dropped on another node's body, not on a pin, makes no link and the status
bar says why (real mouse events: XTEST).

Opens the editor's small test patch in a real (virtual) window and drags from the source's ``take`` pin to the
middle of the log node's title, then from the log's input pin to the middle of the source's title; the status bar
and the links are read after each.

Run as ``python -m tests.editor.body_drop_scenario`` (needs DISPLAY; see test_body_drop.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def middle(node_id: str) -> tuple[float, float]:
    (x, y), (w, _) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
    return (x + w / 2, y + 8)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-body-drop-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            links = [str(link) for link in app.model.patch.links]
            source = app.link_hints.pin_point("out:inbox.take", output=True)
            assert source is not None
            driver.drag_to(source, middle("log"))
            out["output_dropped"] = app.status
            target = app.link_hints.pin_point("in:log.message", output=False)
            assert target is not None
            driver.drag_to(target, middle("inbox"))
            out["input_dropped"] = app.status
            out["links_kept"] = [str(link) for link in app.model.patch.links] == links
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
