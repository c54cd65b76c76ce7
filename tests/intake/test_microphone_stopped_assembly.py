"""Takes that take assembly cuts after the node's stop from audio it had counted (Node.stop joins it for 2 s only: a
take stored on a slow disk outlasts that), with a real input process on the JACK dummy server.

Before: the stop unmapped the ring under the assembly that was still running; a take it cut from there on (the second
of two bursts) found the ring closed and was dropped, unstored and untold. Now the ring is unmapped once assembly is
over: both takes are on disk, not done (the node has stopped), for the next start to pass on."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.takes import TakeStore
from tests.intake.tone_bursts import BurstPlayer, frames_heard, playing_into

RATE = 48000
BURSTS = [(0.5, 0.3), (1.2, 0.3)]  # (start, length) in seconds
DROPPED = "the input stream dropped audio "  # nodes/microphone.py's warning of input overflows


class HeldUntilHeard(NodeContext):
    """Assembly's first level report waits until both bursts have been played: it then reads them in one go."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__(base_dir)
        self.heard = threading.Event()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if "level" in status and threading.current_thread().name == "mic-takes":
            self.heard.wait(20)


class SlowDisk(TakeStore):
    """The first take's storing lasts until the node's stop is over (its join of assembly given up)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.storing, self.stopped = threading.Event(), threading.Event()

    def store(self, take: Take, subtype: str | None = None) -> Take:
        if not self.storing.is_set():
            self.storing.set()
            self.stopped.wait(20)
        return super().store(take, subtype)


@pytest.mark.jack
def test_takes_cut_after_the_stop_reach_disk_before_the_ring_is_unmapped(tmp_path: Path) -> None:
    play = BurstPlayer(BURSTS, 2.0, RATE)

    folder = tmp_path / "takes"
    context = HeldUntilHeard(tmp_path)
    mic = Microphone("mic", {"threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.1,
                             "folder": str(folder), "blocksize": 256}, context)
    mic.start()
    store = SlowDisk(folder)
    mic._store = store
    try:
        with playing_into(mic.jack_client, play, RATE, frames_heard(mic)):
            deadline = time.monotonic() + 15
            while not play.done and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # the last period reaches the ring
        context.heard.set()
        assert store.storing.wait(10), "no take was cut"
    finally:
        mic.stop()  # its join of assembly gives up (2 s): the first take is still being stored
    store.stopped.set()
    (assembly,) = [thread for thread in mic._threads if thread.name == "mic-takes"]
    assembly.join(10)
    assert not assembly.is_alive()
    durations = sorted(data["duration"] for _, data in TakeStore(folder).unfinished())
    assert len(durations) == 2, durations  # both on disk, not done: the next start passes them on
    for duration, (_, length) in zip(durations, BURSTS, strict=True):
        assert duration - 0.1 == pytest.approx(length, abs=0.05)  # minus the hang time
    assert context.emitted == [] and context.errors == []  # stopped: kept, not passed on
    # Input the stream dropped is told (a JACK cycle held up: CI's busy cores) and says nothing of the stop; any other
    # warning would, as a take lost because its ring was unmapped under it.
    warnings = [s["warning"] for s in context.statuses if s.get("warning")]
    assert [w for w in warnings if not w.startswith(DROPPED)] == [], context.statuses
    assert mic._ring.closed  # unmapped once assembly was over
