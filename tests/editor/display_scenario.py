"""Run the editor on a real (virtual) display: open the default patch, run it with takes fed in, save
screenshots of the patch view and the performance view, and measure where text was drawn.

Run as ``python -m tests.editor.display_scenario OUT_DIR`` (needs DISPLAY; a viewport without one aborts
Python, which is why the test runs this in a subprocess). Prints one JSON object of measurements.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.messages import Location, Take
from exsampling_patch.registry import Registry
from tests.editor import fake_nodes

REPO = Path(__file__).resolve().parents[2]


def screenshot(app: EditorApp, path: Path) -> np.ndarray:
    """Save the frame to ``path`` and return it as an (h, w, 4) float array."""
    dpg.output_frame_buffer(file=str(path))
    app.render(3)  # the buffer is written during the next frames
    for _ in range(50):
        if path.exists() and path.stat().st_size > 0:
            break
        app.render()
    width, height, channels, data = dpg.load_image(str(path))
    return np.array(data, dtype=np.float32).reshape(height, width, channels)


def text_pixels(frame: np.ndarray, tag: str, height: float | None = None, green: bool = False) -> int:
    """Pixels of light text (white, or the slot label's green) inside the item's rectangle."""
    x, y = (int(v) for v in dpg.get_item_rect_min(tag))
    w, h = (int(v) for v in dpg.get_item_rect_size(tag))
    region = frame[max(0, y): y + int(height or h), max(0, x): x + w, :3]
    mask = (region[..., 1] > 0.6) & (region[..., 0] < 0.6) if green else region.min(axis=-1) > 0.75
    return int(mask.sum())


def main(out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="exsampling-editor-"))
    (work / "patches").mkdir()
    shutil.copy(REPO / "patches" / "exsampling.yaml", work / "patches" / "exsampling.yaml")
    registry = Registry.default()
    registry.register_module(fake_nodes, "tests")
    dpg.create_context()
    model = EditorModel(registry)
    model.open(work / "patches" / "exsampling.yaml")
    app = EditorApp(model, workers=2)
    app.build()
    labeler = app.add_node("test_labeler", (40, 300))
    holder = app.add_node("test_slot_holder", (320, 300))
    assert labeler and holder
    writer = next(n for n, s in model.patch.nodes.items() if s.type == "take_writer")
    model.connect(f"{writer}.written", f"{labeler}.take")
    model.connect(f"{labeler}.assignment", f"{holder}.assign")
    app.open_viewport(1400, 900)
    result: dict[str, Any] = {"nodes": list(model.patch.nodes)}
    try:
        assert app.run_patch(), app.status
        engine = app.runner.engine
        assert engine is not None
        tone = 0.4 * np.sin(np.linspace(0, 2 * np.pi * 440, 24000)).astype(np.float32)
        for i, (label, slot) in enumerate((("rain", "HH"), ("dog bark", "BD"))):
            take = Take(tone * (1 - i / 3), 48000, take_id=f"take-{i + 1}", source=f"phone-{i + 1}",
                        location=Location(52.5200 + 0.0012 * i, 13.4050 + 0.0018 * i),
                        meta={"label": label, "slot": slot, "confidence": 0.92, "pitch_hz": 440.0})
            engine.inject(writer, "take", take)
        assert engine.wait_idle(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            app.render()
            if dpg.get_value(app.perf_view._slot_tag(holder, "BD", "label")) == "dog bark":
                break
        app.render(5)
        frame = screenshot(app, out / "patch_view.png")
        result["patch_titles"] = {n: text_pixels(frame, f"node:{n}", height=22) for n in model.patch.nodes}
        result["patch_live_label"] = dpg.get_value(f"live:{labeler}")
        result["patch_live_pixels"] = text_pixels(frame, f"live:{labeler}")
        result["frame_std"] = float(frame[..., :3].std())
        dpg.set_value("tabs", "tab:perf")
        app.render(5)
        frame = screenshot(app, out / "performance_view.png")
        tag = app.perf_view._slot_tag
        result["slot_label"] = dpg.get_value(tag(holder, "BD", "label"))
        result["slot_label_pixels"] = text_pixels(frame, tag(holder, "BD", "label"), green=True)
        result["blank_pixels"] = text_pixels(frame, "perf:message", green=True)
        result["other_slot_label_pixels"] = text_pixels(frame, tag(holder, "HH", "label"), green=True)
        result["map_pixels"] = text_pixels(frame, "perf:map")
        result["map_points"] = len(app.observer.takes)
    finally:
        app.stop_patch()
        dpg.destroy_context()
        shutil.rmtree(work, ignore_errors=True)
    return result


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
