"""A click on a link while nodes are marked (the ones an undo brought back), through real events (XTEST).

Opens the node menu's Delete patch (menu_delete_scenario.py): spare above the link from inbox to library.
Deletes spare (Delete key) and undoes it: spare comes back marked as the selection. A click on the link selects
it; then the Delete key. As in other editors the click made the link the selection alone: the link goes and
spare stays.

Run as ``python -m tests.editor.link_click_scenario`` (needs DISPLAY; see test_link_click.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from tests.editor.driving import VIEWPORT, Driver, drawn, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.menu_delete_scenario import PATCH


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-link-click-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            view, model = app.patch_view, app.model
            driver.click(title_point("spare"))
            driver.key("Delete")
            driver.key("z", "ctrl")
            out["marked"] = app.selection()
            start = app.link_hints.pin_point("out:inbox.take", output=True)
            end = app.link_hints.pin_point("in:library.take", output=False)
            assert start is not None and end is not None
            driver.click(((start[0] + end[0]) / 2, (start[1] + end[1]) / 2))
            out["clicked_links"] = [str(link) for link in view.selected_links()]
            out["selection"] = app.selection()
            driver.key("Delete")
            out["nodes"] = sorted(model.patch.nodes)
            out["links"] = [str(link) for link in model.patch.links]
            out["status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
