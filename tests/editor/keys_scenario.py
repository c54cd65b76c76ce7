"""Drive the editor through real mouse and key events in a real (virtual) window, as a composer would.

Opens a copy of the default patch at 1280x1000 (the size of the test display), and for every node in turn:
pans the canvas (middle-button drag) until the node is in view, clicks its title (it shows in the
inspector), drags it, presses Ctrl+S (the file must change) and Ctrl+Z (the move must be undone). Last, a
click on empty canvas must clear the inspector. Every event is an ``xdotool`` event: the X server delivers it
to the window and Dear PyGui's own handlers run, as for a person.

Run as ``python -m tests.editor.keys_scenario`` (needs DISPLAY and xdotool; see test_keys.py). Prints one
JSON object; anything Dear PyGui prints from a failing callback (a traceback) goes to stderr, which the test
reads too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import INSPECTOR_W, PALETTE_W, EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry

REPO = Path(__file__).resolve().parents[2]
VIEWPORT = (1280, 1000)  # the whole test display (Xvfb 1280x1024): every point of it can be clicked
MOVE = (40, 30)


class Driver:
    """Real input events, each followed by frames so that the editor sees them one at a time."""

    def __init__(self, app: EditorApp) -> None:
        self.app = app
        x, y = dpg.get_viewport_pos()
        self.origin = (int(x), int(y))

    def xdotool(self, *args: object, frames: int = 3) -> None:
        subprocess.run(["xdotool", *map(str, args)], check=True)
        time.sleep(0.02)
        self.app.render(frames)

    def move(self, point: tuple[float, float]) -> None:
        self.xdotool("mousemove", self.origin[0] + int(point[0]), self.origin[1] + int(point[1]))

    def drag(self, start: tuple[float, float], delta: tuple[float, float], button: int = 1) -> None:
        self.move(start)
        self.xdotool("mousedown", button)
        for step in range(1, 9):
            self.move((start[0] + delta[0] * step / 8, start[1] + delta[1] * step / 8))
        self.xdotool("mouseup", button, frames=5)

    def click(self, point: tuple[float, float]) -> None:
        self.move(point)
        self.xdotool("mousedown", 1)
        self.xdotool("mouseup", 1, frames=5)

    def key(self, key: str, *modifiers: str) -> None:
        for modifier in modifiers:
            self.xdotool("keydown", modifier)
        self.xdotool("keydown", key)
        self.xdotool("keyup", key)
        for modifier in reversed(modifiers):
            self.xdotool("keyup", modifier, frames=5)


def canvas_box() -> tuple[float, float, float, float]:
    """Where canvas points may be clicked: inside the node editor, clear of the minimap (bottom right)."""
    width, height = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    return (PALETTE_W + 30, 80, width - INSPECTOR_W - 30, height - 50)


def node_rects() -> dict[str, tuple[float, float, float, float]]:
    rects = {}
    for alias in dpg.get_aliases():
        if alias.startswith("node:") and dpg.is_item_visible(alias):
            (x, y), (w, h) = dpg.get_item_rect_min(alias), dpg.get_item_rect_size(alias)
            rects[alias[5:]] = (x, y, x + w, y + h)
    return rects


def in_minimap(point: tuple[float, float]) -> bool:
    x0, y0, x1, y1 = canvas_box()
    return point[0] > x1 - 0.3 * (x1 - x0) and point[1] > y1 - 0.3 * (y1 - y0)


def empty_spot(delta: tuple[float, float]) -> tuple[float, float] | None:
    """A canvas point under no node from which a drag by ``delta`` stays on the canvas."""
    x0, y0, x1, y1 = canvas_box()
    rects = node_rects().values()
    for y in range(int(y0), int(y1), 20):
        for x in range(int(x0), int(x1), 20):
            end = (x + delta[0], y + delta[1])
            if not (x0 <= end[0] <= x1 and y0 <= end[1] <= y1) or in_minimap((x, y)):
                continue
            if all(not (rx0 - 10 <= x <= rx1 + 10 and ry0 - 10 <= y <= ry1 + 10) for rx0, ry0, rx1, ry1 in rects):
                return (x, y)
    return None


def title_point(node_id: str) -> tuple[float, float]:
    x, y = dpg.get_item_rect_min(f"node:{node_id}")
    return (x + 12, y + 8)


def reveal(driver: Driver, node_id: str) -> None:
    """Pan (middle-button drags on empty canvas) until the node's title is well inside the canvas."""
    x0, y0, _, y1 = canvas_box()
    goal = (x0 + 60, y0 + 60)
    for _ in range(12):
        x, y = title_point(node_id)
        if dpg.is_item_visible(f"node:{node_id}") and x0 + 20 <= x <= x0 + 300 and y0 + 20 <= y <= y1 - 300:
            return
        want = (goal[0] - x, goal[1] - y)
        for scale in (1.0, 0.5, 0.25, 0.12):
            delta = (want[0] * scale, want[1] * scale)
            start = empty_spot(delta)
            if start is not None:
                driver.drag(start, delta, button=2)
                break
        else:
            raise RuntimeError(f"no empty canvas to pan from towards {node_id}")
    raise RuntimeError(f"could not bring {node_id} into view")


@contextmanager
def editor(patch: Path) -> Iterator[EditorApp]:
    dpg.create_context()
    model = EditorModel(Registry.default())
    model.open(patch)
    app = EditorApp(model, workers=2)
    app.build()
    app.open_viewport(*VIEWPORT, vsync=False)
    app.render(30)
    try:
        yield app
    finally:
        app.runner.stop()
        dpg.destroy_context()


def shown(tag: str) -> bool:
    return bool(dpg.does_item_exist(tag) and dpg.get_item_configuration(tag)["show"])


def centre(tag: str) -> tuple[float, float]:
    (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
    return (x + min(w / 2, 40), y + h / 2)


def prompts_and_dialogs(app: EditorApp, driver: Driver) -> dict[str, Any]:
    """Ctrl+Q and Ctrl+O with unsaved changes ask first; Esc cancels the prompt and the file dialog; the file
    dialog's name starts empty and its sizes read KB; a double-click on a patch opens it; Ctrl+Q quits."""
    out: dict[str, Any] = {"dirty_before": app.model.dirty}
    driver.key("q", "ctrl")
    out["quit_asks"] = shown("prompt") and not app.quit_requested
    driver.key("Escape")
    out["esc_cancels_prompt"] = not shown("prompt") and not app.quit_requested and not app.model.pending
    driver.key("o", "ctrl")
    driver.click(centre("prompt:discard"))
    out["dialog_shown"] = shown("dialog:open")
    out["dialog_name"] = dpg.get_value("dialog:open:name")
    rows = dpg.get_item_children("dialog:open:table", 1) or []
    out["dialog_rows"] = [[dpg.get_value(c) if not dpg.get_item_type(c).endswith("Selectable")
                           else dpg.get_item_label(c) for c in dpg.get_item_children(r, 1)] for r in rows]
    driver.key("Escape")
    out["esc_cancels_dialog"] = not dpg.does_item_exist("dialog:open")
    driver.key("o", "ctrl")  # nothing unsaved now? it still is: the discard above only let the dialog open
    if shown("prompt"):
        driver.click(centre("prompt:discard"))
    dialog = "dialog:open"
    index = next(i for i, r in enumerate(out["dialog_rows"]) if r[0] == "exsampling.yaml")
    x, y = centre(f"{dialog}:entry:{index}")
    driver.move((x, y))
    driver.xdotool("click", "--repeat", "2", "--delay", "60", "1", frames=8)
    out["double_click_opens"] = not dpg.does_item_exist(dialog) and not app.model.dirty and \
        app.status.startswith("opened")
    driver.key("q", "ctrl")
    out["ctrl_q_quits"] = app.quit_requested
    return out


def main() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="exsampling-keys-"))
    patch = work / "patches" / "exsampling.yaml"
    patch.parent.mkdir()
    shutil.copy(REPO / "patches" / "exsampling.yaml", patch)
    steps: list[dict[str, Any]] = []
    try:
        with editor(patch) as app:
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
                step["drawn_back"] = before is not None and (pos[0], pos[1]) == (int(before[0]), int(before[1]))
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
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
