"""docs/custom-nodes.md's SlotFiles, in a real engine, when writing a take raises what it does not catch (a take at a
sample rate of 48000.5 Hz, which soundfile refuses with a TypeError): the take it kept open still ends, told not
written, as the guide says a kept take must be closed, in a ``finally:`` (closed after the ``except`` only, it was kept
until the patch stopped, its line never printed); the error is the node's, and its loop, run again, writes the next."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeError, TakeEnded
from exsampling_patch.runtime.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_s_slot_files_ends_a_take_whose_writing_raised(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "custom-nodes.md").read_text(encoding="utf-8")
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "class SlotFiles" in block]
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "slot_files.py").write_text(example, encoding="utf-8")
    registry = Registry.default([tmp_path / "nodes"], entry_points=False)
    assert registry.problems == []
    folder = tmp_path / "slots"
    patch = Patch()
    patch.add_node(NodeSpec("f", "slot_files", {"folder": str(folder)}))
    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    ended: list[TakeEnded] = []
    one_ended = threading.Semaphore(0)
    engine.events.subscribe(lambda event: (ended.append(event), one_ended.release()), TakeEnded)
    told: list[NodeError] = []
    error_told = threading.Event()
    engine.events.subscribe(lambda event: (told.append(event), error_told.set()), NodeError)

    def take_ends(slot: str, sample_rate: float) -> TakeEnded:
        engine.inject("f", "assignment", SlotAssignment(slot, Take(np.zeros((480, 1), np.float32), sample_rate)))
        assert one_ended.acquire(timeout=10), f"the take for slot {slot} did not end"
        return ended[-1]

    engine.start(patch)
    try:
        assert take_ends("HH", 48000.5).reason == "slot HH, not loaded into slot_files 'f': writing it failed"
        assert error_told.wait(10) and "TypeError" in told[0].error  # the loop's error, the node's
        assert take_ends("SN", 48000).reason == "slot SN" and (folder / "SN.wav").exists()
    finally:
        engine.stop()
