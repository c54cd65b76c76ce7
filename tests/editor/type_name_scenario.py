"""A type's own name typed into the add-node pop-up and the palette's search, then Enter (real events, XTEST).

Opens a patch with one node at 1280x1000; right-clicks empty canvas, types ``sampler`` and presses Enter, then
does the same with ``pattern``; last, clicks the palette's search field, types ``midi in`` and presses Enter.
Records the types added and the first type each search lists. Each of those searches also matches other types'
docs ("sampler" is in the pattern node's), and those types came first, being of an earlier family.

Run as ``python -m tests.editor.type_name_scenario`` (needs DISPLAY; see test_type_name_search.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.add_popup_scenario import right_click
from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, work_folder
from tests.editor.harness import open_editor

PATCH = """\
exsampling_patch: 1
nodes:
- id: log
  type: log
  position: [20, 20]
"""


def listed(container: str) -> list[str]:
    """The type names ``container`` (the pop-up's list, the palette's) lists now, in order."""
    names = []
    for header in dpg.get_item_children(container, 1) or []:
        for item in dpg.get_item_children(header, 1) or []:
            if dpg.get_item_type(item).endswith("Selectable"):
                names.append(dpg.get_item_label(item))
    return names


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"popup": [], "palette": []}
    with work_folder("exsampling-type-name-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            for search in ("sampler", "pattern"):
                spot = empty_spot((0, 0))
                assert spot is not None
                right_click(driver, spot)
                driver.type(search)
                first = listed("add_popup:list")[:1]
                before = set(app.model.patch.nodes)
                driver.key("Return")
                driver.frames(3)
                out["popup"].append([search, first, [app.model.patch.nodes[n].type for n in app.model.patch.nodes
                                                     if n not in before]])
            driver.click(press_point("palette:search"))
            driver.type("midi in")
            first = listed("palette:list")[:1]
            before = set(app.model.patch.nodes)
            driver.key("Return")
            driver.frames(3)
            out["palette"] = ["midi in", first,
                              [app.model.patch.nodes[n].type for n in app.model.patch.nodes if n not in before]]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
