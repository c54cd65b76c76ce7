"""docs/custom-nodes.md's SlotFiles, in a real engine, rebuilt by an edit (its folder changed) with takes still in its
own queue: each ends then, said not written, not in flight until the patch stops (no line printed for it)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine

from .guide_slot_nodes import guide_example


def test_the_guide_s_slot_files_ends_the_takes_it_had_not_written_when_an_edit_rebuilds_it(tmp_path: Path) -> None:
    example = guide_example("SlotFiles")
    namespace: dict[str, Any] = {"__name__": "slot_files_guide"}
    exec(compile(example, "custom-nodes.md", "exec"), namespace)
    writing = threading.Event()  # its thread writes only once its node is stopped: the takes wait in its queue

    class Probe(namespace["SlotFiles"]):  # type: ignore[misc, name-defined, valid-type]  # the guide's, run
        type_name = "slot_files"

        def write_all(self) -> None:
            writing.wait(10)
            super().write_all()

        def stop(self) -> None:
            self.stop_event.set()
            writing.set()
            super().stop()

    registry = Registry.default(entry_points=False)
    registry.register(Probe, "test")
    assert registry.problems == []

    def a_patch(folder: str) -> Patch:
        patch = Patch()
        patch.add_node(NodeSpec("f", "slot_files", {"folder": folder}))
        return patch

    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(a_patch("slots"))
    try:
        for slot in ("HH", "SN"):
            engine.inject("f", "assignment", SlotAssignment(slot, Take(np.zeros((480, 1), np.float32), 48000)))
        assert engine.wait_idle(10)
        assert engine.update(a_patch("edited")) is not None
        assert engine.wait_idle(10)
        assert sorted(event.reason for event in ended) == [
            f"slot {slot}, not loaded into slot_files 'f': not written: the node was stopped by a live edit"
            for slot in ("HH", "SN")]
    finally:
        writing.set()
        engine.stop()
