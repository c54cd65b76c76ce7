"""Run the editor on a real (virtual) display: open the default patch, run it with a real ESC-50 clip fed
in, save screenshots of the patch view and the performance view, and measure where text was drawn.

The default patch runs as shipped (web recorder, trim, pitch, the shipped classifier, gate, slot map,
sampler, the Max for Live protocol, phone status, log), with only what a test machine needs changed:
no sound card or MIDI port for the sampler, the web recorder on a free local port, the Max for Live
protocol sent to a local UDP socket, and every folder in a temporary directory. A dog barking
(ESC-50 1-100032-A-0) is injected into the trim node, as if a phone had just uploaded it.

Run as ``python -m tests.editor.display_scenario OUT_DIR`` (needs DISPLAY; a viewport without one aborts
Python, which is why the test runs this in a subprocess). Prints one JSON object of measurements.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np
import soundfile as sf
import yaml

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.messages import Location, Take
from exsampling_patch.registry import Registry

REPO = Path(__file__).resolve().parents[2]
DOG = REPO.parent / "shared" / "data" / "esc50" / "audio" / "1-100032-A-0.flac"  # a dog barking: slot Bass
# Wide enough for the whole default patch in the canvas (it spans about 1,950 px); the frame buffer is the
# viewport's own, so it may be wider than the Xvfb screen.
VIEWPORT = (2500, 1000)


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


def test_patch(work: Path, live_port: int) -> Path:
    """The default patch with local ports and temporary folders (what a test machine can run)."""
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text())
    params = {node["id"]: node.setdefault("params", {}) for node in data["nodes"]}
    params["recorder"].update(folder=str(work / "takes"), state_folder=str(work / "recorder"), host="127.0.0.1",
                              port=0, print_qr=False)
    params["sampler"].update(device="none", virtual_port="")
    params["live"].update(port=live_port, folder=str(work / "live"))
    path = work / "patches" / "exsampling.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@contextmanager
def default_patch_editor(prefix: str, viewport: tuple[int, int],
                         adjust: Callable[[dict[str, Any]], None] | None = None) -> Iterator[EditorApp]:
    """The editor on a copy of the default patch (:func:`test_patch`, changed by ``adjust`` where given), its
    viewport open; afterwards the patch is stopped, the context destroyed and the copy removed."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    live_device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # stands in for Max for Live: receives OSC
    live_device.bind(("127.0.0.1", 0))
    path = test_patch(work, live_device.getsockname()[1])
    if adjust is not None:
        data = yaml.safe_load(path.read_text())
        adjust(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    dpg.create_context()
    model = EditorModel(Registry.default())
    model.open(path)
    app = EditorApp(model, workers=2)
    app.build()
    app.open_viewport(*viewport)
    try:
        yield app
    finally:
        app.stop_patch()
        dpg.destroy_context()
        live_device.close()
        shutil.rmtree(work, ignore_errors=True)


def main(folder: str) -> dict[str, Any]:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    with default_patch_editor("exsampling-editor-", VIEWPORT) as app:
        model = app.model
        result: dict[str, Any] = {"nodes": list(model.patch.nodes)}
        started = time.monotonic()
        assert app.run_patch(), app.status
        engine = app.runner.engine
        assert engine is not None
        timings["start_s"] = time.monotonic() - started
        audio, rate = sf.read(DOG, dtype="float32")
        take = Take(audio, rate, take_id="dog-1", source="Ana", location=Location(48.8530, 2.3499),
                    meta={"stored_at": time.monotonic()})
        engine.inject("trim", "take", take)
        slot_label = app.perf_view._slot_tag("sampler", "Bass", "label")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            app.render()
            if dpg.does_item_exist(slot_label) and dpg.get_value(slot_label) == "dog":
                break
        timings["take_to_slot_s"] = time.monotonic() - started - timings["start_s"]
        assert engine.wait_idle(10)
        app.render(5)
        frame = screenshot(app, out / "patch_view.png")
        result["patch_titles"] = {n: text_pixels(frame, f"node:{n}", height=22) for n in model.patch.nodes}
        result["patch_live"] = {n: dpg.get_value(f"live:{n}") for n in model.patch.nodes}
        result["classifier_live_pixels"] = text_pixels(frame, "live:classifier")
        result["errors"] = {n: str(e) for n, e in engine.errors.items()}
        result["frame_std"] = float(frame[..., :3].std())
        dpg.set_value("tabs", "tab:perf")
        app.render(5)
        frame = screenshot(app, out / "performance_view.png")
        tag = app.perf_view._slot_tag
        result["slot_label"] = dpg.get_value(tag("sampler", "Bass", "label"))
        result["slot_label_pixels"] = text_pixels(frame, tag("sampler", "Bass", "label"), green=True)
        result["empty_slot_label"] = dpg.get_value(tag("sampler", "HH", "label"))
        result["blank_pixels"] = text_pixels(frame, "perf:message", green=True)
        result["map_pixels"] = text_pixels(frame, "perf:map")
        result["map_points"] = len(app.observer.takes)
        pairing = dpg.get_item_children("perf:pairing", 1) or []
        result["pairing_urls"] = [dpg.get_value(c) for c in pairing if dpg.get_item_type(c).endswith("Text")]
        result["pairing_pixels"] = text_pixels(frame, "perf:pairing")
        result["timings"] = timings
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
