"""A slider of the inspector in a real window: dragged, and typed into (Ctrl+click, a value, Enter).

Opens a copy of the default patch at 1280x1000, clicks the gate's title (it shows in the inspector), drags its
``threshold`` slider with the mouse, presses Ctrl+Z, then Ctrl+clicks the slider, types ``0.35`` and Enter,
then types a value above its maximum, and presses Ctrl+S. Every event is a real X event (XTEST): Dear PyGui's
slider calls back on every frame of a drag and on every key typed into it, as for a person.

Run as ``python -m tests.editor.slider_scenario`` (needs DISPLAY; see test_slider.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from tests.editor.driving import Driver, default_patch_copy, editor, reveal, title_point

SLIDER = "param:gate:threshold"


def centre(tag: str) -> tuple[float, float]:
    (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
    return (x + w / 2, y + h / 2)


def type_into(driver: Driver, text: str) -> None:
    """Ctrl+click the slider (it becomes a text field), type ``text`` and press Enter."""
    driver.move(centre(SLIDER))
    with driver.holding("ctrl", after=3):
        driver.input("click", "1")
    driver.key("a", "ctrl")
    driver.type(text)  # a key a few frames: the slider calls back on each, and it must still be one edit
    driver.key("Return")
    driver.frames(5)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-slider-") as patch, editor(patch) as app:
        model = app.model
        driver = Driver(app)
        reveal(driver, "gate")
        driver.click(title_point("gate"))
        out["inspector"] = app.inspector.node_id
        out["before"] = model.patch.nodes["gate"].params["threshold"]
        # One drag of the slider.
        steps = len(model.history._done)
        (x, y), (w, h) = dpg.get_item_rect_min(SLIDER), dpg.get_item_rect_size(SLIDER)
        driver.drag((x + w * 0.2, y + h / 2), (w * 0.5, 0))
        app.render(5)
        out["drag_steps"] = len(model.history._done) - steps
        out["dragged"] = model.patch.nodes["gate"].params["threshold"]
        driver.key("z", "ctrl")
        out["after_undo"] = model.patch.nodes["gate"].params["threshold"]
        # A value typed into it.
        steps = len(model.history._done)
        type_into(driver, "0.35")
        out["typed_steps"] = [c.new for _, c in model.history._done[steps:]]  # type: ignore[attr-defined]
        out["typed"] = model.patch.nodes["gate"].params["threshold"]
        # A value above its maximum: refused, the patch keeps what it had.
        type_into(driver, "1.5")
        out["too_big"] = model.patch.nodes["gate"].params["threshold"]
        out["too_big_error"] = dpg.get_value(f"{SLIDER}:error")
        driver.key("s", "ctrl")
        saved = yaml.safe_load(patch.read_text())
        out["saved"] = next(n for n in saved["nodes"] if n["id"] == "gate")["params"]["threshold"]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
