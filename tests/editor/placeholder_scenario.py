"""A node whose type is missing (its plugin not installed) in a real (virtual) window: a grey placeholder that
lists the parameters it keeps, each cut to the node's width, whole in its tooltip.

Opens a patch whose ``granulator`` node (a plugin's, not installed) keeps a long path and a list, between a
folder source and a log 240 px apart (as the default patch puts its nodes), reads the nodes' widths on screen,
then moves the mouse (XTEST) onto the path's line and reads its tooltip, onto the line of a 200-row table
and reads where its tooltip is drawn, clicks the node and does the same in the inspector, where it also reads
where the *remove* button beside the path is.

Run as ``python -m tests.editor.placeholder_scenario`` (needs DISPLAY; see test_placeholder.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, node_rects, press_point, title_point, work_folder
from tests.editor.harness import open_editor

SAMPLES = "/home/composer/field recordings/2026-12-03 river at dusk/grains"
ROWS = 200  # a class-to-grain table: written out whole, its tooltip was taller than the window
TABLE = "\n".join(f"      class_number_{i:03d}: grain_{i % 8}" for i in range(ROWS))
PATCH = f"""\
exsampling_patch: 1
name: plugin missing
nodes:
- id: inbox
  type: folder_source
  position: [20, 100]
  params: {{folder: inbox}}
- id: grains
  type: granulator
  position: [260, 100]
  params:
    samples: {SAMPLES}
    sizes: [10, 20, 40, 80, 160, 320]
    mix: 0.5
    table:
{TABLE}
- id: log
  type: log
  position: [500, 100]
links:
- inbox.take -> grains.take
- grains.out -> log.message
"""


def tip_box(driver: Driver, target: str) -> list[float] | None:
    """Hover ``target``; where the tooltip shown is drawn (its text's top, bottom, number of lines), None if none."""
    if not dpg.does_item_exist(target):
        return None
    driver.move(press_point(target))
    driver.app.render(20)
    tips = [item for item in dpg.get_all_items() if dpg.get_item_type(item).endswith("Tooltip")]
    texts = [t for tip in tips for t in dpg.get_item_children(tip, 1) or [] if dpg.is_item_visible(t)]
    if not texts:
        return None
    (_, y), (_, h) = dpg.get_item_rect_min(texts[0]), dpg.get_item_rect_size(texts[0])
    return [y, y + h, len(str(dpg.get_value(texts[0])).splitlines())]


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-placeholder-") as work:
        (work / "inbox").mkdir()
        (work / "plugin.yaml").write_text(PATCH)
        with open_editor(work / "plugin.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT)
            drawn(app)
            driver = Driver(app)
            rects = node_rects()
            out["widths"] = {node: x1 - x0 for node, (x0, _, x1, _) in rects.items()}
            out["overlap"] = rects["grains"][2] > rects["log"][0]
            out["lines"] = {name: dpg.get_value(tag) if dpg.does_item_exist(tag := f"kept:grains:{name}") else None
                            for name in ("samples", "sizes", "mix")}
            out["tips"] = sorted(name for name in ("samples", "sizes", "mix")
                                 if dpg.does_item_exist(f"kept:grains:{name}:tip"))
            tip = "kept:grains:samples:tip"
            out["tip_visible_before"] = dpg.does_item_exist(tip) and dpg.is_item_visible(tip)
            if dpg.does_item_exist("kept:grains:samples"):
                driver.move(press_point("kept:grains:samples"))
            app.render(20)
            out["tip_visible"] = dpg.does_item_exist(tip) and dpg.is_item_visible(tip)
            out["tip_text"] = dpg.get_value(tip) if dpg.does_item_exist(tip) else None
            out["tip_margin"] = list(dpg.get_item_pos(tip)) if dpg.does_item_exist(tip) else None  # in its box
            # The table's tooltip, on the node and in the inspector, inside the window; the inspector's remove
            # button beside a long value within the inspector.
            out["node_table_tip"] = tip_box(driver, "kept:grains:table")
            driver.click(title_point("grains"))
            out["shown"] = app.inspector.node_id
            out["inspector_table_tip"] = tip_box(driver, "param:grains:table:label")
            (x, _), (w, _) = dpg.get_item_rect_min("param:grains:samples:remove"), dpg.get_item_rect_size(
                "param:grains:samples:remove")
            # The inspector's own box (a child window: its position is the box's, within its parent's).
            right = dpg.get_item_pos("inspector_box")[0] + dpg.get_item_pos("inspector")[0] + dpg.get_item_rect_size(
                "inspector")[0]
            out["remove_right"], out["inspector_right"] = x + w, right
            out["window_h"] = dpg.get_viewport_client_height()
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
