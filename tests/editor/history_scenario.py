"""A slot's history in the performance view, told in words, and roll back to a take chosen there (real mouse events).

Runs a patch of one real sampler (no sound card: ``device: none``) in a real (virtual) window and loads two takes into
its slot "Snare" (a phone's, then a file of a folder). The performance view's combo is clicked open (XTEST) and the
file's entry clicked; then the same file is dropped again (a take alike in name, label and time, so the entry chosen
gains its take's id) and the history combo's entries read. Then *roll back* is clicked: the sampler must play the take
chosen, not its twin.

Run as ``python -m tests.editor.history_scenario`` (needs DISPLAY; see test_slot_history.py). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.messages import FOLDER_FILE, SlotAssignment, Take
from exsampling_patch.nodes.sampler import Sampler
from tests.editor.driving import driven

PATCH = """\
exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  position: [40, 40]
  params: {device: none, virtual_port: '', swap: now}
"""

_TODAY = time.localtime()
RECORDED = time.mktime((*_TODAY[:3], 21, 4, 7, 0, 0, -1))  # today at 21:04:07, local time


def tone(seconds: float = 0.3, rate: int = 48000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * 220.0 * t)).astype(np.float32)


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-history-") as driver:
        app = driver.app
        view, tag = app.perf_view, app.perf_view._slot_tag
        assert app.run_patch(), app.status
        engine = app.runner.engine
        assert engine is not None
        sampler = engine.node("sampler")
        assert isinstance(sampler, Sampler), type(sampler)
        dropped = [Take(tone(), 48000, take_id=f"take-20261206-210407-000{n}beef", source="inbox",
                        recorded_at=RECORDED, meta={FOLDER_FILE: "toms/kick.wav"}) for n in (1, 2)]
        phone = Take(tone(), 48000, take_id="ana-20261206-210512-0003cafe", source="Ana", recorded_at=RECORDED + 65)
        takes = [*dropped, phone]
        combo = tag("sampler", "Snare", "history")

        def assign(take: Take, label: str, entries: int) -> None:
            engine.inject("sampler", "assign", SlotAssignment("Snare", take, label, 0.9))
            assert engine.wait_idle(5)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not (
                    dpg.does_item_exist(combo) and len(dpg.get_item_configuration(combo)["items"]) == entries):
                driver.frames(3)
            driver.frames(5)

        dpg.set_value("tabs", "tab:perf")
        assign(phone, "hihat_closed", 1)
        assign(dropped[0], "kick_drum", 2)
        out["items_before"] = dpg.get_item_configuration(combo)["items"]
        out["shown_before"] = dpg.get_value(combo)
        # The combo clicked open, and its first entry (kick.wav) clicked in its list.
        (x, y), (_, h) = dpg.get_item_rect_min(combo), dpg.get_item_rect_size(combo)
        driver.click((x + 20, y + h / 2))
        item_h = dpg.get_text_size("kick")[1] + 4  # a line and ImGui's item spacing
        driver.click((x + 20, y + h + 6 + item_h / 2))
        out["picked"] = dpg.get_value(combo)
        assign(dropped[1], "kick_drum", 3)  # alike: the entry picked now ends in its take's id
        out["items"] = dpg.get_item_configuration(combo)["items"]
        out["chosen"] = dpg.get_value(combo)
        out["tip"] = dpg.get_value(tag("sampler", "Snare", "history_tip"))
        out["playing"] = sampler.slot_states()[1]["take"]
        button = tag("sampler", "Snare", "rollback")
        (bx, by), (bw, bh) = dpg.get_item_rect_min(button), dpg.get_item_rect_size(button)
        driver.click((bx + bw / 2, by + bh / 2))
        assert engine.wait_idle(5)
        driver.frames(5)
        out["rolled_back_to"] = sampler.slot_states()[1]["take"]
        # A choice made again, then the slot rows built anew (as an edit that changes the slots does): the new combo
        # shows the take the slot plays, not an empty choice that roll back would read as one step back.
        driver.click((x + 20, y + h / 2))
        driver.click((x + 20, y + h + 6 + item_h / 2))
        view._slot_keys = []
        driver.frames(25)  # the view is refreshed every 10th frame
        out["shown_after_rebuild"] = dpg.get_value(combo)
        out["take_ids"] = [t.take_id for t in takes]
        out["message"] = view.message
        out["errors"] = {n: str(e) for n, e in engine.errors.items()}
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
