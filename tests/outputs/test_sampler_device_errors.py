"""Two errors about the sampler's device at once: its audio process ended before it said the device's rate, so a take
is loaded at an assumed 48 kHz ("assuming 48000 Hz") and the process is started again ("restarting it"). Both are
told about the device (the console prints each as it comes); the error book keeps one error per device, the latest
told (.recovery): both are true until the device opens, which ends them together, so the one the editor shows, and
the one a late-joining observer reads, is true. A MIDI keyboard opening meanwhile ends neither.
"""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from exsampling_patch.runtime import NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .sampler_setup import held_with_a_take, jack_sampler_engine, keyboard_plugged_in

ASSUMED, RESTARTING = "assuming 48000 Hz", "restarting it"


@pytest.mark.jack
def test_the_latest_of_two_device_errors_is_shown_and_a_midi_opening_ends_neither(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import host

    monkeypatch.setattr(host, "RESTART_SECONDS", 600.0)  # the device stays closed: the test's stop ends the wait
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    with jack_sampler_engine((errors.append, NodeError), (statuses.append, NodeStatus)) as engine:
        client = f"exs-device-errors-{os.getpid()}"
        pid = held_with_a_take(engine)
        try:
            os.kill(pid, signal.SIGKILL)  # ends before its rate: the take is loaded at 48 kHz, and the process restarts
            told = [ASSUMED, RESTARTING]
            assert wait_for(lambda: all(any(text in error.error for error in errors) for text in told),
                            HANG_GUARD_SECONDS), errors
            device_errors = [error for error in errors if any(text in error.error for text in told)]
            assert [error.about for error in device_errors] == ["device", "device"]
            latest = device_errors[-1]
            assert engine.errors["smp"] == latest.error
            assert engine.error_state()["smp"].error is latest
            with keyboard_plugged_in(engine.node("smp"), client, statuses):
                assert engine.errors.get("smp") == latest.error
                assert not any("device" in status.status for status in statuses if not status.starting)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
