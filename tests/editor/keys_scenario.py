"""Drive the editor through real mouse and key events in a real (virtual) window, as a composer would.

Opens a copy of the default patch at 1280x1000 (the size of the test display), and for every node in turn:
pans the canvas (middle-button drag) until the node is in view, clicks its title (it shows in the
inspector), drags it, presses Ctrl+S (the file must change) and Ctrl+Z (the move must be undone). Last, a
click on empty canvas must clear the inspector. Every event is an X event (XTEST, as ``xdotool`` sends it): the X
server delivers it to the window and Dear PyGui's own handlers run, as for a person.

Run as ``python -m tests.editor.keys_scenario`` (needs DISPLAY; see test_keys.py). Prints one
JSON object; anything Dear PyGui prints from a failing callback (a traceback) goes to stderr, which the test
reads too.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor.driving import Driver, default_patch_copy, editor, empty_spot, press_point, reveal, title_point

MOVE = (40, 30)


def shown(tag: str) -> bool:
    return bool(dpg.does_item_exist(tag) and dpg.get_item_configuration(tag)["show"])


def prompts_and_dialogs(app: EditorApp, driver: Driver) -> dict[str, Any]:
    """Ctrl+Q and Ctrl+O with unsaved changes ask first; Esc cancels the prompt and the file dialog; the file
    dialog's name starts empty and its sizes read KB; a double-click on a patch opens it; Ctrl+Q quits."""
    out: dict[str, Any] = {"dirty_before": app.model.dirty}
    driver.key("q", "ctrl")
    out["quit_asks"] = shown("prompt") and not app.quit_requested
    driver.key("Escape")
    out["esc_cancels_prompt"] = not shown("prompt") and not app.quit_requested and not app.model.pending
    driver.key("o", "ctrl")
    driver.click(press_point("prompt:discard"))
    out["dialog_shown"] = shown("dialog:open")
    out["dialog_name"] = dpg.get_value("dialog:open:name")
    rows = dpg.get_item_children("dialog:open:table", 1) or []
    out["dialog_rows"] = [[dpg.get_value(c) if not dpg.get_item_type(c).endswith("Selectable")
                           else dpg.get_item_label(c) for c in dpg.get_item_children(r, 1)] for r in rows]
    driver.key("Escape")
    out["esc_cancels_dialog"] = not dpg.does_item_exist("dialog:open")
    driver.key("o", "ctrl")  # nothing unsaved now? it still is: the discard above only let the dialog open
    if shown("prompt"):
        driver.click(press_point("prompt:discard"))
    dialog = "dialog:open"
    index = next(i for i, r in enumerate(out["dialog_rows"]) if r[0] == "exsampling.yaml")
    entry = press_point(f"{dialog}:entry:{index}")
    driver.double_click(entry)
    if dpg.does_item_exist(dialog):
        # ImGui times a double click by the frames that see its clicks (one event a frame): on a loaded machine
        # (the full suite, once in 3 runs) the second click came after its 0.3 s. A slow double click is no
        # double click in any editor, so try once more; a dialog that never opens on a double click still fails.
        driver.double_click(entry)
    out["double_click_opens"] = not dpg.does_item_exist(dialog) and not app.model.dirty and \
        app.status.startswith("opened")
    driver.key("q", "ctrl")
    out["ctrl_q_quits"] = app.quit_requested
    return out


def main() -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    with default_patch_copy("exsampling-keys-", "patches") as patch, editor(patch) as app:
        model = app.model
        driver = Driver(app)
        for node_id in list(model.patch.nodes):
            step: dict[str, Any] = {"node": node_id, "type": model.patch.nodes[node_id].type}
            steps.append(step)
            reveal(driver, node_id)
            driver.click(title_point(node_id))
            step["inspector"] = app.inspector.node_id
            before = model.patch.nodes[node_id].position
            saved_before = patch.read_text()
            driver.drag(title_point(node_id), MOVE)
            step["moved"] = model.patch.nodes[node_id].position != before
            driver.key("s", "ctrl")
            step["saved"] = patch.read_text() != saved_before and not model.dirty
            driver.key("z", "ctrl")
            step["undone"] = model.patch.nodes[node_id].position == before
            pos = dpg.get_item_pos(f"node:{node_id}")
            drawn = app.patch_view._view(before) if before is not None else None  # the view was fitted on opening
            step["drawn_back"] = drawn is not None and (pos[0], pos[1]) == (int(drawn[0]), int(drawn[1]))
            cells = [a for a in dpg.get_aliases() if a.startswith(f"param:{node_id}:") and a.endswith(":0:key")]
            cell = cells[0] if cells else None
            if cell is not None and dpg.is_item_visible(cell):
                # Keys typed into a table cell are the cell's: Delete edits the text, the node stays.
                x, y = dpg.get_item_rect_min(cell)
                driver.click((x + 10, y + 6))
                revision = model.history.revision
                driver.key("Delete")
                step["typed_in_cell"] = node_id in model.patch.nodes and model.history.revision == revision
                driver.key("Escape")
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)
        result = {"steps": steps, "inspector_after_empty_click": app.inspector.node_id}
        result.update(prompts_and_dialogs(app, driver))
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
