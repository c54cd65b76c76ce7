"""A take of the microphone's cut at the stop whose emit raises, with a real input process on the JACK dummy server.

At the stop, take assembly reads the audio counted so far and cuts every take in it, then the one being recorded.
Before: the first of them whose emit raised ended the cut (assembly is not run again once stopped): the takes after
it were never stored, lost untold. Now its error is told, naming it, with its end, and the cut goes on."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.takes import TakeStore
from tests.intake.tone_bursts import MIC_PARAMS, RATE, BurstPlayer, FirstEmitFails, frames_heard, playing_into

# two short bursts, then a tone still sounding at the stop: three takes, all cut at the stop. The first a second and a
# half in: the stream plays from its start, before it is connected to the microphone's input.
BURSTS = [(1.5, 0.3), (2.1, 0.3), (2.7, 20.0)]
HEARD_UP_TO = 3.4  # seconds played before the stop


class HeldUntilStopped(FirstEmitFails):
    """Take assembly's first level report waits until the node stops: every take is then cut by the cut at the stop.
    The first take's emit raises."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__(base_dir)
        self.stopped = threading.Event()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if "level" in status and threading.current_thread().name == "mic-takes":
            self.stopped.wait(20)


class TellsItsStop(Microphone):
    """Sets its context's :attr:`HeldUntilStopped.stopped` with its stop_event, before stop() joins assembly."""

    def stop(self) -> None:
        self.stop_event.set()
        assert isinstance(self.context, HeldUntilStopped)
        self.context.stopped.set()
        super().stop()


@pytest.mark.jack
def test_a_take_whose_emit_raises_at_the_stop_leaves_the_others_of_the_cut(tmp_path: Path) -> None:
    play = BurstPlayer(BURSTS, 30.0, RATE)
    folder = tmp_path / "takes"
    context = HeldUntilStopped(tmp_path)
    mic = TellsItsStop("mic", {**MIC_PARAMS, "folder": str(folder)}, context)
    mic.start()
    try:
        with playing_into(mic.jack_client, play, RATE, frames_heard(mic)):
            deadline = time.monotonic() + 15
            while play.position < HEARD_UP_TO * RATE and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # the last periods reach the ring
            mic.stop()
    finally:
        mic.stop()
    emitted = [take for port, take in context.emitted if port == "take"]
    assert len(emitted) == 3, (emitted, context.errors)
    assert [round(take.duration, 1) for take in emitted[:2]] == [0.4, 0.4]  # each burst, plus the hang time
    assert emitted[2].meta.get("cut_at_stop") is True
    assert all(take.path is not None and take.path.exists() for take in emitted)  # all on disk
    failed = emitted[0].take_id
    assert len(context.errors) == 1 and failed in str(context.errors[0]), context.errors
    assert [take_id for take_id, *_ in context.ended] == [failed]  # its end told
    # the two others, passed on, written down as done (no runtime); the failed one is passed on at the next start
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == [failed]
