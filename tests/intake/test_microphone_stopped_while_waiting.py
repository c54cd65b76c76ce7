"""The microphone stopped while its take assembly waits to run again after a failure: the takes recorded since it
stopped reading are stored all the same, kept for the next start. Takes from audio looped through the JACK dummy
server, as in test_microphone.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.takes import TakeStore
from tests.intake.tone_bursts import MIC_PARAMS, RATE, FirstEmitFails, recording, two_bursts
from tests.waiting import wait_for

#: Ring frames from the first take's start to past the second take's end: the second burst starts 0.6 s after the
#: first and lasts 0.3 s, its take ends 0.1 s (the hang) after it; 0.1 s more for the last period.
SECOND_TAKE_HEARD = int((0.6 + 0.3 + 0.1 + 0.1) * RATE)


class WaitsLongToRunAgain(Microphone):
    """A microphone whose take assembly, after a failure, waits a minute to run again, not a second (the wait ends at
    the stop): the stop comes within it however slow a busy machine is. With the second's wait, a stop held up past
    it (a fixed sleep of 0.8 s, then closing the output stream) came after assembly had run again."""

    def run_thread(self, target: Callable[[], None], name: str = "", restart_delay: float = 1.0) -> None:
        super().run_thread(target, name, 60.0 if name == f"{self.node_id}-takes" else restart_delay)


@pytest.mark.jack
def test_a_take_recorded_while_assembly_waits_to_run_again_is_stored_at_the_stop(tmp_path: Path) -> None:
    """Stopped within the second assembly waits after the first take's emit raised: the loop ended without running
    assembly again, and stop() closed the ring; the second burst was lost, told nowhere."""
    context = FirstEmitFails(tmp_path)
    folder = tmp_path / "takes"
    mic = WaitsLongToRunAgain("mic", {**MIC_PARAMS, "folder": str(folder)}, context)
    with recording(mic, two_bursts()):
        assert wait_for(lambda: context.errors, 15), "the first take's emit did not fail"
        first = int(context.emitted[0][1].meta["stream_frame"])
        # the second burst is in the ring, unread: assembly waits to run again
        assert wait_for(lambda: mic._ring.written >= first + SECOND_TAKE_HEARD, 15), (mic._ring.written, first)
    emitted = [take for port, take in context.emitted if port == "take"]
    assert len(emitted) == 1 and len(context.errors) == 1, (emitted, context.errors)
    stored = {data["take_id"]: data for _, data in TakeStore(folder).unfinished()}
    assert emitted[0].take_id in stored
    others = [data for take_id, data in stored.items() if take_id != emitted[0].take_id]
    assert len(others) == 1, stored
    # the second burst, 0.6 s after the first in the stream
    second = int(others[0]["meta"]["stream_frame"])
    assert abs(second - first - int(0.6 * RATE)) < RATE // 50, (first, second)
