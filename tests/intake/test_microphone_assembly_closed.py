"""Take assembly that runs past the node's stop (Node.stop joins its threads for 2 s only: a take stored on a slow
disk outlasts that) finds its ring closed, with the ring and assembly driven directly.

Before: the closed ring held no frames, and reading it (``Microphone._frames``) divided by zero: the thread died of
ZeroDivisionError, an error told on a node already stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.nodes.microphone_input import InputRing
from exsampling_patch.takes import TakeStore

RATE = 8000
LENGTH = 4 * RATE  # frames in the ring


class StoppedAtFirstTake(NodeContext):
    """The callback and the node's stop, at known points of the assembly: as assembly tells the input the stream
    dropped (before its first audio), 2 s of audio counted at once; as the first take flows on, what the node's stop
    does once its join has given up on the assembly thread: the stop event set, then the ring closed. Assembly then
    goes on to read the rest of the audio it had counted."""

    def __init__(self, base_dir: Path, frames: int) -> None:
        super().__init__(base_dir)
        self.frames = frames
        self.mic: Microphone | None = None

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if "input_overflows" in status and self.mic is not None:
            self.mic._ring.counts[0] = self.frames

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        if len(self.emitted) == 1 and self.mic is not None:
            self.mic.stop_event.set()
            self.mic._ring.close()


def microphone(tmp_path: Path, context: NodeContext) -> tuple[Microphone, InputRing]:
    mic = Microphone("mic", {"sample_rate": RATE, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.05,
                             "folder": str(tmp_path / "takes")}, context)
    ring = InputRing.create(LENGTH, 1)
    mic._ring, mic._store, mic.takes_cut = ring, TakeStore(tmp_path / "takes"), 0
    return mic, ring


def test_assembly_that_finds_its_ring_closed_ends_quietly(tmp_path: Path) -> None:
    t = np.arange(2 * RATE) / RATE
    context = StoppedAtFirstTake(tmp_path, len(t))
    mic, ring = microphone(tmp_path, context)
    context.mic = mic
    for start, stop in [(0.2, 0.5), (1.0, 1.3)]:  # seconds: two takes
        ring.samples[: len(t), 0][(t >= start) & (t < stop)] = 0.5
    ring.counts[1] = 1  # an overflow: told first, the audio is counted then
    mic._assemble()  # in this thread: returns once the node has stopped
    assert [port for port, _ in context.emitted] == ["take"]  # the first take flowed on; the second was never cut
    warnings = [status["warning"] for status in context.statuses if status.get("warning")]
    assert context.errors == [] and len(warnings) == 1 and "dropped audio" in warnings[0], context.statuses
    assert ring.closed


def test_a_take_cut_once_the_ring_is_closed_is_told_lost(tmp_path: Path) -> None:
    # The node's stop no longer unmaps the ring under a running assembly (test_microphone_stopped_assembly.py); a
    # take that finds it closed all the same has no audio left to store: its loss is told, no longer quiet.
    context = NodeContext(tmp_path)
    mic, ring = microphone(tmp_path, context)
    ring.counts[0] = 100_000
    ring.close()
    mic._emit_take(100_000 - RATE, 100_000 - RATE // 2)  # assembly cut it just before the ring closed
    assert context.emitted == [] and list((tmp_path / "takes").glob("*.wav")) == []
    warnings = [s["warning"] for s in context.statuses if s.get("warning")]
    assert len(warnings) == 1 and "0.50 s was lost" in warnings[0], context.statuses
