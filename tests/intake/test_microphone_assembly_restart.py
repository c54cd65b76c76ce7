"""The microphone's take assembly failing mid-show (here the take's emit raises): run again, it goes on from where
it stopped reading, so a take recorded while it waited to run again is cut all the same. Takes from audio looped
through the JACK dummy server, as in test_microphone.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.intake.tone_bursts import RATE, FailingEmit, microphone, recording, two_bursts
from tests.waiting import wait_for


@pytest.mark.jack
def test_a_take_recorded_while_assembly_waits_to_run_again_is_cut(tmp_path: Path) -> None:
    """Each take's emit fails (an error raised out of take assembly, which is run again a second later, or more
    after failures that follow at once). Before, assembly began again from the newest audio: the second take,
    recorded within that second, was never cut, untold."""
    play = two_bursts()
    context = FailingEmit(tmp_path)
    with recording(microphone(context, tmp_path / "takes"), play):
        wait_for(lambda: play.done and len(context.errors) >= 2, 15)
    takes = [take for port, take in context.emitted if port == "take"]
    assert [round(take.duration, 1) for take in takes] == [0.4, 0.4], (takes, context.errors)
    # each its own burst, a tone (0.5 peak), 0.6 s apart in the stream
    first, second = (int(take.meta["stream_frame"]) for take in takes)
    assert abs(second - first - int(0.6 * RATE)) < RATE // 50, (first, second)
    assert all(float(np.max(np.abs(take.samples))) > 0.4 for take in takes)
    assert len(context.errors) == 2 and all(isinstance(error, RuntimeError) for error in context.errors), (
        context.errors)
