"""Left clicks on the canvas and the inspector (real mouse events): only a click on empty canvas clears it.

Opens a small patch in a real (virtual) window: a folder source, a log and a MIDI output. The mouse (XTEST)
clicks *trim* in the palette (the inspector shows the new node, nothing is selected on the canvas), drags a link from
the source's ``take`` pin to the trim's input (the link is made), drags another from the trim's output and drops
it on empty canvas (no link), clicks the link made (it is selected, the trim still shown) and Ctrl+clicks it (it
goes), clicks the log's title (the inspector shows the log), then clicks empty canvas (the inspector is cleared).
The inspector is read after each.

Run as ``python -m tests.editor.inspector_click_scenario`` (needs DISPLAY; see
test_inspector_click.py). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, title_point, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
name: inspector clicks
nodes:
- id: inbox
  type: folder_source
  position: [20, 300]
  params: {folder: inbox}
- id: log
  type: log
  position: [420, 300]
- id: out
  type: midi_out
  position: [420, 460]
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-inspector-click-") as work:
        (work / "clicks.yaml").write_text(PATCH)
        with open_editor(work / "clicks.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            hints = app.link_hints
            # A trim added from the palette: the inspector shows it (nothing is selected on the canvas).
            driver.click(press_point("palette:trim"))
            added = [n for n in app.model.patch.nodes if n.startswith("trim")]
            out["added"] = added
            out["shown"] = app.inspector.node_id
            out["selected"] = app.patch_view.selected_nodes()
            # A link dragged from an output pin to the new node's input pin: made, and the inspector keeps it.
            source = hints.pin_point("out:inbox.take", output=True)
            target = hints.pin_point("in:trim.take", output=False)
            assert source is not None and target is not None
            driver.drag_to(source, target)
            out["links"] = [str(link) for link in app.model.patch.links]
            out["after_link"] = app.inspector.node_id
            # A link dragged from an output and dropped on empty canvas: nothing made, the inspector kept.
            source = hints.pin_point("out:trim.out", output=True)
            assert source is not None
            drop = empty_spot((0, 0))
            assert drop is not None
            driver.drag_to(source, drop)
            out["links_after_drop"] = len(app.model.patch.links)
            out["after_dropped_link"] = app.inspector.node_id
            # A click on the link (in the middle of its curve, clear of the nodes) selects it for Delete, and keeps the
            # node the palette showed in the inspector, though no node is selected on the canvas.
            source = hints.pin_point("out:inbox.take", output=True)
            target = hints.pin_point("in:trim.take", output=False)
            assert source is not None and target is not None
            driver.click(((source[0] + target[0]) / 2, (source[1] + target[1]) / 2))
            out["link_selected"] = [str(link) for link in app.patch_view.selected_links()]
            out["after_link_click"] = app.inspector.node_id
            # Ctrl+click on it removes it, and the status bar says so.
            with driver.holding("ctrl"):
                driver.click(((source[0] + target[0]) / 2, (source[1] + target[1]) / 2))
            out["links_after_ctrl_click"] = [str(link) for link in app.model.patch.links]
            out["status_after_ctrl_click"] = app.status
            # A click on another node shows it; a click on empty canvas clears the inspector.
            driver.click(title_point("log"))
            out["clicked_log"] = app.inspector.node_id
            spot = empty_spot((0, 0))
            assert spot is not None
            driver.click(spot)
            app.render(5)
            out["after_empty_click"] = app.inspector.node_id
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
