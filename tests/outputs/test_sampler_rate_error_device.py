"""The sampler's "assuming 48000 Hz" error (its audio process ended before it said the device's rate) is the device's:
it stands until the device opens. Told about nothing, any opening ended it: a MIDI keyboard plugged in (here a JACK
MIDI port of the test's own, on the dummy server) cleared it while takes still played off pitch.
"""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .helpers import sine_take
from .sampler_setup import held_before_its_rate, jack_sampler_engine, keyboard_plugged_in

ASSUMED = "assuming 48000 Hz"


def assumed_stands(engine: Engine) -> bool:
    with engine._error_book.lock:
        return any(ASSUMED in error.error for error in engine._error_book.standing.get("smp", []))


@pytest.mark.jack
def test_the_assumed_rate_error_stands_when_a_midi_keyboard_opens_and_ends_when_the_device_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import rate

    monkeypatch.setattr(rate, "RATE_WAIT", 1.0)  # the guard against a silent process: 120 s
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    with jack_sampler_engine((errors.append, NodeError), (statuses.append, NodeStatus)) as engine:
        client = f"exs-rate-keys-{os.getpid()}"
        sampler = engine.node("smp")
        pid = held_before_its_rate(sampler)  # held until the end of the test's keyboard part: it opens nothing
        try:
            engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
            assert wait_for(lambda: any(ASSUMED in error.error for error in errors), HANG_GUARD_SECONDS), errors
            with keyboard_plugged_in(sampler, client, statuses):
                assert assumed_stands(engine), engine._error_book.standing
                assert "smp" in engine.errors
                os.kill(pid, signal.SIGCONT)
                assert wait_for(lambda: any("device" in status.status for status in statuses),
                                HANG_GUARD_SECONDS), errors
                assert not assumed_stands(engine), engine._error_book.standing
                assert [error.about for error in errors if ASSUMED in error.error] == ["device"]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
