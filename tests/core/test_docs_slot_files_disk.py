"""docs/custom-nodes.md's SlotFiles, in a real engine, when its folder cannot be written at each take (a full disk, a
file where the folder should be): its error is told once, about the disk, and stands across the takes that follow
(told on each take with ``report_message_error``, each next take's handler, returning first, ended the last one's,
and the node showed no error between takes); it ends once a take is written again."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeError, NodeRecovered, TakeEnded
from exsampling_patch.runtime.engine import Engine

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_s_slot_files_tells_a_folder_it_cannot_write_once_and_it_stands_till_written(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "custom-nodes.md").read_text(encoding="utf-8")
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "class SlotFiles" in block]
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "slot_files.py").write_text(example, encoding="utf-8")
    registry = Registry.default([tmp_path / "nodes"], entry_points=False)
    assert registry.problems == []
    folder = tmp_path / "slots"
    folder.write_text("a file where the folder should be", encoding="utf-8")
    patch = Patch()
    patch.add_node(NodeSpec("f", "slot_files", {"folder": str(folder)}))
    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    told: list[NodeError] = []
    back: list[NodeRecovered] = []
    ended: list[TakeEnded] = []
    one_ended = threading.Semaphore(0)
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(back.append, NodeRecovered)
    engine.events.subscribe(lambda event: (ended.append(event), one_ended.release()), TakeEnded)

    def take_ends(slot: str) -> TakeEnded:
        engine.inject("f", "assignment", SlotAssignment(slot, Take(np.zeros((480, 1), np.float32), 48000)))
        assert one_ended.acquire(timeout=10)
        assert engine.wait_idle(10)
        return ended[-1]

    engine.start(patch)
    try:
        for slot in ("HH", "SN", "BD"):
            assert take_ends(slot).reason.startswith(f"slot {slot}, not loaded into slot_files 'f': ")
            assert list(engine.errors) == ["f"] and back == []
        assert [error.about for error in told] == ["disk"]
        folder.unlink()
        assert take_ends("HH").reason == "slot HH" and (folder / "HH.wav").exists()
        assert engine.errors == {} and [event.how for event in back] == ["opened"]
    finally:
        engine.stop()
