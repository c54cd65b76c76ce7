"""docs/custom-nodes.md's SlotFiles, in a real engine, when writing a take raises what it does not catch (a take at a
sample rate of 48000.5 Hz, which soundfile refuses with a TypeError): the take it kept open still ends, told not
written, as the guide says a kept take must be closed, in a ``finally:`` (closed after the ``except`` only, it was kept
until the patch stopped, its line never printed); the error is the node's, and its loop, run again, writes the next."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeError
from exsampling_patch.runtime.engine import Engine

from .guide_slot_nodes import Heard, guide_plugin_registry


def test_the_guide_s_slot_files_ends_a_take_whose_writing_raised(tmp_path: Path) -> None:
    registry = guide_plugin_registry(tmp_path, "SlotFiles", "slot_files")
    folder = tmp_path / "slots"
    patch = Patch()
    patch.add_node(NodeSpec("f", "slot_files", {"folder": str(folder)}))
    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    heard = Heard(engine)
    told: list[NodeError] = []
    error_told = threading.Event()

    def tell(event: NodeError) -> None:
        told.append(event)
        error_told.set()

    engine.events.subscribe(tell, NodeError)
    engine.start(patch)
    try:
        reason = heard.take_ends("f", "HH", 48000.5, idle=False).reason
        assert reason == "slot HH, not loaded into slot_files 'f': writing it failed"
        assert error_told.wait(10) and "TypeError" in told[0].error  # the loop's error, the node's
        assert heard.take_ends("f", "SN", 48000, idle=False).reason == "slot SN" and (folder / "SN.wav").exists()
    finally:
        engine.stop()
