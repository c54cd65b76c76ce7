"""The microphone stopped while its take assembly waits to run again after a failure: the takes recorded since it
stopped reading are stored all the same, kept for the next start. Takes from audio looped through the JACK dummy
server, as in test_microphone.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore
from tests.intake.tone_bursts import RATE, FirstEmitFails, microphone, recording, two_bursts
from tests.waiting import wait_for


@pytest.mark.jack
def test_a_take_recorded_while_assembly_waits_to_run_again_is_stored_at_the_stop(tmp_path: Path) -> None:
    """Stopped within the second assembly waits after the first take's emit raised: the loop ended without running
    assembly again, and stop() closed the ring; the second burst was lost, told nowhere."""
    context = FirstEmitFails(tmp_path)
    folder = tmp_path / "takes"
    with recording(microphone(context, folder), two_bursts()):
        wait_for(lambda: context.errors, 15)
        time.sleep(0.8)  # the second burst played, assembly not run again yet (a second after the error)
    emitted = [take for port, take in context.emitted if port == "take"]
    assert len(emitted) == 1 and len(context.errors) == 1, (emitted, context.errors)
    stored = {data["take_id"]: data for _, data in TakeStore(folder).unfinished()}
    assert emitted[0].take_id in stored
    others = [data for take_id, data in stored.items() if take_id != emitted[0].take_id]
    assert len(others) == 1, stored
    # the second burst, 0.6 s after the first in the stream
    first = int(emitted[0].meta["stream_frame"])
    second = int(others[0]["meta"]["stream_frame"])
    assert abs(second - first - int(0.6 * RATE)) < RATE // 50, (first, second)
