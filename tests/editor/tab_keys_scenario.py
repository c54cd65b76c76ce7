"""Keys that act on the patch's selection or view while the Performance tab is shown (real clicks and keys): a node
selected on the Patch tab, then the Performance tab clicked; Delete, Ctrl+X, Ctrl+D, Ctrl+A and the arrows must
leave the hidden patch alone; back on the Patch tab, Delete deletes the node, and so does Backspace (a Mac's
"delete" key), which in a text field is the field's. Last, Ctrl+Z in the Performance tab's pairing URL field
is the field's: the patch's last edit stays.

Opens a copy of the default patch at 1280x1000. Every event is a real X event (XTEST).

Run as ``python -m tests.editor.tab_keys_scenario`` (needs DISPLAY; see test_tab_keys.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.runtime.events import NodeStatus
from tests.editor.driving import Driver, default_patch_copy, editor, empty_spot, press_point, reveal, title_point


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-tab-keys-") as patch, editor(patch) as app:
        model, view = app.model, app.patch_view
        driver = Driver(app)
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        out["selected"] = app.selection()
        nodes, pan = list(model.patch.nodes), view.pan
        driver.click(press_point("tab:perf"))
        out["tab"] = dpg.get_value("tabs") in ("tab:perf", dpg.get_alias_id("tab:perf"))
        driver.key("Delete")
        driver.key("x", "ctrl")
        driver.key("d", "ctrl")
        driver.key("a", "ctrl")
        driver.key("Right")
        out["nodes_kept"] = list(model.patch.nodes) == nodes
        out["pan_kept"] = view.pan == pan
        out["dirty"] = model.dirty
        driver.click(press_point("tab:patch"))
        out["selected_back"] = app.selection()
        driver.key("Delete")
        out["deleted_on_patch_tab"] = "gate" not in model.patch.nodes
        # Backspace (what a Mac's "delete" key sends) deletes too, on the canvas; in a text field it is the field's.
        driver.key("z", "ctrl")  # the gate back, selected
        driver.key("BackSpace")
        out["backspace_deleted"] = "gate" not in model.patch.nodes
        driver.key("z", "ctrl")
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)  # nothing selected: the inspector shows the patch's name and description
        driver.click(press_point("patch:name"))
        driver.key("End")
        driver.key("BackSpace")
        driver.key("Return")
        out["name_after_backspace"] = model.patch.name
        out["nodes_after_backspace_in_field"] = list(model.patch.nodes) == nodes
        # A field of the Performance tab (the pairing URL, clicked to copy it) is typed into: Ctrl+Z there is the
        # field's, not an undo of the patch's last edit (the name just typed).
        app.observer.on_event(NodeStatus("recorder", {"url": "https://192.0.2.1:8443/rec?token=abc"}))
        driver.click(press_point("tab:perf"))
        driver.frames(3)
        driver.click(press_point(app.perf_view.url_tag("recorder")))
        out["perf_field_typing"] = app.shortcuts.typing()
        driver.key("z", "ctrl")
        out["name_after_ctrl_z_in_perf_field"] = model.patch.name
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
