"""The microphone's take assembly failing mid-show (here the take's emit raises): run again, it goes on from where
it stopped reading, so a take recorded while it waited to run again is cut all the same. Takes from audio looped
through the JACK dummy server, as in test_microphone.py."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from tests.intake.tone_bursts import BurstPlayer, playing_into

RATE = 48000


class FailingEmit(NodeContext):
    """Each emit raises once it is noted (a journal line that could not be written raised so, before it was told
    per take): an error out of take assembly, which is run again."""

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        raise RuntimeError(f"emit of {message.take_id} failed")


@pytest.mark.jack
def test_a_take_recorded_while_assembly_waits_to_run_again_is_cut(tmp_path: Path) -> None:
    """Each take's emit fails (an error raised out of take assembly, which is run again a second later, or more
    after failures that follow at once). Before, assembly began again from the newest audio: the second take,
    recorded within that second, was never cut, untold."""
    bursts = [(0.6, 0.3), (1.2, 0.3)]  # (start, length) in seconds: the second within a second of the first's end
    play = BurstPlayer(bursts, 2.2, RATE)

    context = FailingEmit(tmp_path)
    folder = tmp_path / "takes"
    mic = Microphone("mic", {"threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.1,
                             "folder": str(folder), "blocksize": 256}, context)
    mic.start()
    try:
        with playing_into(mic.jack_client, play, RATE):
            deadline = time.monotonic() + 15
            while (not play.done or len(context.errors) < 2) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        mic.stop()
    takes = [take for port, take in context.emitted if port == "take"]
    assert [round(take.duration, 1) for take in takes] == [0.4, 0.4], (takes, context.errors)
    # each its own burst, a tone (0.5 peak), 0.6 s apart in the stream
    first, second = (int(take.meta["stream_frame"]) for take in takes)
    assert abs(second - first - int(0.6 * RATE)) < RATE // 50, (first, second)
    assert all(float(np.max(np.abs(take.samples))) > 0.4 for take in takes)
    assert len(context.errors) == 2 and all(isinstance(error, RuntimeError) for error in context.errors), (
        context.errors)
