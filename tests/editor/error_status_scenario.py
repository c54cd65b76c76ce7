"""A node that fails while it is out of view (real keys): the status bar says which node is in error until it
works again. A node whose device goes and comes back by itself: its error badge goes when the device opens again.

Opens the editor's small test patch, with a sound output added, in a real (virtual) window and runs it with F5.
The output loses its device and gets it back (no message passing: as a sampler whose JACK server restarted).
Then the take writer is fed a message it fails on, panned out of view with the arrow keys, fed a good take, and
the patch stopped with Shift+F5.

Run as ``python -m tests.editor.error_status_scenario`` (needs DISPLAY; see test_error_status.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.registry import Registry
from tests.editor import fake_nodes
from tests.editor.driving import VIEWPORT, Driver, drawn, empty_spot, work_folder
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH

#: The test patch with a sound output below the folder source, in view at the start.
SPEAKER = "- id: speaker\n  type: test_device_output\n  position: [40, 300]\nlinks:\n"


def badge(node_id: str) -> dict[str, Any]:
    """What the window shows of ``node_id``'s error badge."""
    return {"shown": dpg.get_item_configuration(f"error:{node_id}")["show"],
            "visible": dpg.is_item_visible(f"error:{node_id}"), "text": dpg.get_value(f"error:{node_id}")}


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with work_folder("exsampling-error-status-") as work:
        (work / "patches").mkdir()
        (work / "patches" / "p.yaml").write_text(PATCH.replace("links:\n", SPEAKER, 1))
        registry = Registry.default()
        registry.register_module(fake_nodes, "tests")
        with open_editor(work / "patches" / "p.yaml", registry, workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=False)
            drawn(app)
            driver = Driver(app)
            driver.move(empty_spot((0, 0)) or (600, 500))
            driver.key("F5")
            out["running"] = app.runner.running
            engine = app.runner.engine
            assert engine is not None
            out["status_running"] = dpg.get_value("statusbar")
            speaker = engine.node("speaker")
            assert isinstance(speaker, fake_nodes.DeviceOutput)
            speaker.lose()
            app.render(3)
            out["speaker_lost"], out["status_speaker_lost"] = badge("speaker"), dpg.get_value("statusbar")
            speaker.come_back()
            app.render(3)
            out["speaker_back"], out["status_speaker_back"] = badge("speaker"), dpg.get_value("statusbar")
            engine.inject("library", "take", "not a take")  # the writer fails on it
            out["idle"] = engine.wait_idle(5)
            for _ in range(4):
                driver.key("Right", "shift")
            app.render(5)
            out["library_visible"] = dpg.is_item_visible("node:library")
            out["status_error"] = dpg.get_value("statusbar")
            engine.inject("library", "take", Take(np.zeros(480, dtype=np.float32), 48000, take_id="good"))
            out["idle_again"] = engine.wait_idle(5)
            app.render(5)
            out["status_good"] = dpg.get_value("statusbar")
            driver.key("F5", "shift")
            out["status_stopped"] = dpg.get_value("statusbar")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
