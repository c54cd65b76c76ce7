"""The add-node pop-up through real events: a right click near the bottom of the canvas, typing, Enter.

Opens a copy of the default patch at 1280x1000; right-clicks empty canvas near the window's bottom edge, types
a search (the keys go to the pop-up's search field only if it has the focus), checks that the pop-up lies
inside the window and lists only what matches, presses Enter (the first match is added, drawn whole on the
canvas), then opens it again (the last search is gone, the list is whole); last, a node is added the same way
from a right click near the canvas's right edge. Clicks and keys are real X events (XTEST), the search typed a
key at a time.

Run as ``python -m tests.editor.add_popup_scenario`` (needs DISPLAY; see test_add_popup.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.palette import grouped, palette_entries
from tests.editor import xinput
from tests.editor.driving import Driver, canvas_box, default_patch_copy, editor, in_minimap, node_rects

SEARCH = "log"


def listed() -> list[str]:
    """The type names the pop-up lists now."""
    names = []
    for header in dpg.get_item_children("add_popup:list", 1) or []:
        for item in dpg.get_item_children(header, 1) or []:
            if dpg.get_item_type(item).endswith("Selectable"):
                names.append(dpg.get_item_label(item))
    return names


def low_empty_spot(driver: Driver) -> tuple[float, float]:
    """Empty canvas as near the window's bottom edge as the canvas goes, or as the pointer goes: the window reaches
    past the bottom of the test display, where the pointer stops at the display's last row."""
    x0, y0, x1, y1 = canvas_box()
    y1 = min(y1, xinput.display_size()[1] - 1 - driver.origin[1])
    rects = node_rects().values()
    for y in range(int(y1), int(y0), -20):
        for x in range(int(x0), int(x1), 20):
            if all(not (rx0 - 10 <= x <= rx1 + 10 and ry0 - 10 <= y <= ry1 + 10) for rx0, ry0, rx1, ry1 in rects):
                return (x, y)
    raise RuntimeError("no empty canvas")


def right_empty_spot() -> tuple[float, float]:
    """Empty canvas as near the canvas's right edge as clicks go, clear of the minimap."""
    x0, y0, x1, y1 = canvas_box()
    rects = node_rects().values()
    for x in range(int(x1), int(x0), -20):
        for y in range(int(y0), int(y1), 20):
            if in_minimap((x, y)):
                continue
            if all(not (rx0 - 10 <= x <= rx1 + 10 and ry0 - 10 <= y <= ry1 + 10) for rx0, ry0, rx1, ry1 in rects):
                return (x, y)
    raise RuntimeError("no empty canvas")


def drawn_whole(app: EditorApp, node_ids: list[str]) -> list[Any]:
    """[the canvas's rectangle on screen, then each node's (left, top, right, bottom)]: all of a node is seen where
    its rectangle lies inside the canvas's."""
    left, top, width, height = app.patch_view.screen_rect()
    rects = []
    for node_id in node_ids:
        (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
        rects.append([x, y, x + w, y + h])
    return [[left, top, left + width, top + height], *rects]


def inside_window(tag: str) -> bool:
    # A window's place and size as drawn (Dear PyGui reads them back from the window each frame).
    (x, y), w, h = dpg.get_item_pos(tag), dpg.get_item_width(tag) or 0, dpg.get_item_height(tag) or 0
    width, height = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    return x >= 0 and y >= 0 and x + w <= width and y + h <= height and w > 100 and h > 100


def right_click(driver: Driver, point: tuple[float, float]) -> None:
    driver.move(point)
    driver.input("click", 3, frames=8)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-popup-") as patch, editor(patch) as app:
        driver = Driver(app)
        registry = app.model.registry
        out["all_types"] = sorted(registry.types)
        out["expected"] = [e.type_name for es in grouped(palette_entries(registry), SEARCH).values() for e in es]
        spot = low_empty_spot(driver)
        out["spot"] = list(spot)
        out["window"] = [dpg.get_viewport_client_width(), dpg.get_viewport_client_height()]
        right_click(driver, spot)
        out["shown"] = dpg.get_item_configuration("add_popup")["show"]
        out["inside"] = inside_window("add_popup")
        out["rect"] = [*dpg.get_item_pos("add_popup"), dpg.get_item_width("add_popup"),
                       dpg.get_item_height("add_popup")]
        driver.type(SEARCH)
        out["typed"] = dpg.get_value("add_popup:search")
        out["listed"] = listed()
        before = set(app.model.patch.nodes)
        driver.key("Return")
        app.render(5)
        added = [n for n in app.model.patch.nodes if n not in before]
        out["added"] = [app.model.patch.nodes[n].type for n in added]
        out["hidden_after_enter"] = not dpg.get_item_configuration("add_popup")["show"]
        out["drawn"] = drawn_whole(app, added)
        # Opened again: a fresh search, the whole list, still inside the window.
        right_click(driver, low_empty_spot(driver))
        out["search_again"] = dpg.get_value("add_popup:search")
        out["listed_again"] = sorted(listed())
        out["inside_again"] = inside_window("add_popup")
        driver.type("zzzz")
        out["typed_again"] = dpg.get_value("add_popup:search")
        driver.key("Escape")
        # Near the right edge: the node is moved left to be drawn whole, as the one near the bottom was moved up.
        spot = right_empty_spot()
        out["right_spot"] = list(spot)
        right_click(driver, spot)
        before = set(app.model.patch.nodes)
        driver.type(SEARCH)
        driver.key("Return")
        app.render(5)
        out["drawn_right"] = drawn_whole(app, [n for n in app.model.patch.nodes if n not in before])
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
