"""The node menu through real events (XTEST): right clicks on a node and on empty canvas, clicks on its items.

Opens the editor's small test patch in a real (virtual) window; right-clicks the library node's title (the node
menu opens, not the add-node pop-up), clicks Delete (the node and its links go), Ctrl+Z (they come back); with
the inbox and library nodes selected, right-clicks library and clicks Duplicate (both are duplicated, one undo
step); right-clicks inbox and clicks Copy; right-clicks log, clicks Rename... and types a new id and Enter (its
id field had the keyboard, the old id selected: typed over); right-clicks inbox and presses Esc (the menu
closes); then right-clicks empty canvas (the add-node pop-up opens, not the node menu).

Run as ``python -m tests.editor.node_menu_scenario`` (needs DISPLAY; see test_node_menu.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, press_point, title_point, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def shown(tag: str) -> bool:
    return bool(dpg.get_item_configuration(tag)["show"])


def right_click(driver: Driver, point: tuple[float, float]) -> None:
    driver.move(point)
    driver.input("click", 3, frames=8)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-node-menu-") as work:
        (work / "p.yaml").write_text(PATCH)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            links = len(app.model.patch.links)

            right_click(driver, title_point("library"))
            out["menu_on_node"] = shown("node_menu")
            out["popup_on_node"] = shown("add_popup")
            out["items"] = [dpg.get_item_label(i) for i in dpg.get_item_children("node_menu", 1) or []
                            if dpg.get_item_type(i).endswith("Selectable")]
            driver.click(press_point("node_menu:delete"))
            out["menu_after_delete"] = shown("node_menu")
            out["after_delete"] = sorted(app.model.patch.nodes)
            out["links_after_delete"] = len(app.model.patch.links)
            driver.key("z", "ctrl")
            out["after_undo"] = sorted(app.model.patch.nodes)
            out["links_after_undo"] = len(app.model.patch.links) == links
            driver.frames(5)

            driver.key("a", "ctrl")
            app.patch_view.choose(["inbox", "library"])  # Ctrl+A took all three: these two are the selection
            right_click(driver, title_point("library"))
            out["menu_title"] = dpg.get_value("node_menu:title")
            before = set(app.model.patch.nodes)
            driver.click(press_point("node_menu:duplicate"))
            added = sorted(set(app.model.patch.nodes) - before)
            out["duplicated_types"] = sorted(app.model.patch.nodes[n].type for n in added)
            driver.key("z", "ctrl")
            out["after_duplicate_undo"] = sorted(app.model.patch.nodes)
            driver.frames(5)

            right_click(driver, title_point("inbox"))
            driver.click(press_point("node_menu:copy"))
            out["copied"] = [spec.id for spec in app.model.clipboard.specs]

            right_click(driver, title_point("log"))
            driver.click(press_point("node_menu:rename"))
            out["inspector_on_rename"] = app.inspector.node_id
            # The id field takes the keyboard a frame or two after the click's callback asks (dpg.focus_item): on a
            # loaded machine "sink" typed sooner lost its "s".
            for _ in range(30):
                if dpg.is_item_active(f"{app.inspector.tag}:id"):
                    break
                app.render(1)
            driver.type("sink")  # the old id was selected: typed over, as in other editors
            driver.key("Return", frames=6)
            out["after_rename"] = sorted(app.model.patch.nodes)

            right_click(driver, title_point("inbox"))
            driver.key("Escape")
            out["menu_after_escape"] = shown("node_menu")

            spot = empty_spot((0, 0))
            assert spot is not None
            right_click(driver, spot)
            out["popup_on_canvas"] = shown("add_popup")
            out["menu_on_canvas"] = shown("node_menu")
            driver.key("Escape")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
