"""M and Home on a patch of more nodes than the minimap is drawn for (real keys): M says why no minimap shows, and
Home's "larger than the view" does not offer it.

Opens a patch of 70 relays in a real (virtual) window at 1280x1000. Every event is a real X event (XTEST).

Run as ``python -m tests.editor.minimap_scenario`` (needs DISPLAY; see test_navigate.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, work_folder
from tests.editor.harness import open_editor

NODES = "\n".join(f"- id: r{i}\n  type: relay\n  position: [{40 + 260 * (i % 10)}, {40 + 150 * (i // 10)}]"
                  for i in range(70))


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-minimap-") as work:
        (work / "big.yaml").write_text(f"exsampling_patch: 1\nname: big\nnodes:\n{NODES}\nlinks: []\n")
        with open_editor(work / "big.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            driver.move(empty_spot((0, 0)) or (600, 500))
            driver.key("m")
            out["m_status"] = app.status
            out["minimap_shown"] = dpg.get_item_configuration(app.patch_view.tag)["minimap"]
            driver.key("Home")
            out["home_status"] = app.status
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
