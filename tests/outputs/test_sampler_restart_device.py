"""The sampler's "audio process ended ...; restarting it" error is the device's: it stands until the new process opens
the device. Told about nothing, any opening ended it: a MIDI keyboard plugged in (here a JACK MIDI port of the test's
own, on the dummy server) cleared it while the sampler was silent, its process not started again yet.
"""

from __future__ import annotations

import os
import signal
from typing import cast

import pytest

from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS, opened_or_told
from tests.waiting import wait_for

from .sampler_setup import jack_sampler_engine, keyboard_plugged_in

RESTARTING = "restarting it"


def restarting_stands(engine: Engine) -> bool:
    with engine._error_book.lock:
        return any(RESTARTING in error.error for error in engine._error_book.standing.get("smp", []))


@pytest.mark.jack
def test_the_restarting_error_stands_when_a_midi_keyboard_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import host

    monkeypatch.setattr(host, "RESTART_SECONDS", 600.0)  # no new process while the keyboard opens: the stop ends it
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    with jack_sampler_engine((errors.append, NodeError), (statuses.append, NodeStatus)) as engine:
        client = f"exs-restart-keys-{os.getpid()}"
        sampler = cast(Sampler, engine.node("smp"))
        assert opened_or_told(sampler.audio, lambda: errors), errors
        assert sampler.audio.process is not None
        os.kill(sampler.audio.process.pid, signal.SIGKILL)
        assert wait_for(lambda: restarting_stands(engine), HANG_GUARD_SECONDS), errors
        with keyboard_plugged_in(sampler, client, statuses):
            assert restarting_stands(engine), engine._error_book.standing
            assert "smp" in engine.errors
            assert [error.about for error in errors if RESTARTING in error.error] == ["device"]
