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

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .helpers import sine_take
from .test_sampler_rate_wait import held_before_its_rate

ASSUMED, RESTARTING = "assuming 48000 Hz", "restarting it"


@pytest.mark.jack
def test_the_latest_of_two_device_errors_is_shown_and_a_midi_opening_ends_neither(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.midi_ports import PortKeeper, backend
    from exsampling_patch.nodes.sampler import host

    monkeypatch.setattr(host, "RESTART_SECONDS", 600.0)  # the device stays closed: the test's stop ends the wait
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    engine.events.subscribe(errors.append, NodeError)
    engine.events.subscribe(statuses.append, NodeStatus)
    engine.start(patch)
    client = f"exs-device-errors-{os.getpid()}"
    pid, keyboard, keeper = None, None, None
    try:
        sampler = engine.node("smp")
        pid = held_before_its_rate(sampler)
        engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
        assert wait_for(lambda: any(state.busy is not None and state.busy[0] is sampler
                                    for state in engine._states), HANG_GUARD_SECONDS)
        os.kill(pid, signal.SIGKILL)  # ends before its rate: the take is loaded at 48 kHz, and the process restarts
        told = [ASSUMED, RESTARTING]
        assert wait_for(lambda: all(any(text in error.error for error in errors) for text in told),
                        HANG_GUARD_SECONDS), errors
        device_errors = [error for error in errors if any(text in error.error for text in told)]
        assert [error.about for error in device_errors] == ["device", "device"]
        latest = device_errors[-1]
        assert engine.errors["smp"] == latest.error
        assert engine.error_state()["smp"].error is latest
        keyboard = backend("UNIX_JACK").open_output("out", virtual=True, client_name=client)
        keeper = PortKeeper("input", port=client, api="UNIX_JACK", on_message=lambda message: None,
                            report_status=sampler.report_status)
        keeper.start()
        assert wait_for(lambda: any(status.status.get("midi_port") for status in statuses), HANG_GUARD_SECONDS)
        assert engine.errors.get("smp") == latest.error
        assert not any("device" in status.status for status in statuses if not status.starting)
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if keeper is not None:
            keeper.stop()
        if keyboard is not None:
            keyboard.close()
        engine.stop()
