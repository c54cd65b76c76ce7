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
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .helpers import sine_take
from .test_sampler_rate_wait import held_before_its_rate

ASSUMED = "assuming 48000 Hz"


def assumed_stands(engine: Engine) -> bool:
    with engine._error_book.lock:
        return any(ASSUMED in error.error for error in engine._error_book.standing.get("smp", []))


@pytest.mark.jack
def test_the_assumed_rate_error_stands_when_a_midi_keyboard_opens_and_ends_when_the_device_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.midi_ports import PortKeeper, backend
    from exsampling_patch.nodes.sampler import rate

    monkeypatch.setattr(rate, "RATE_WAIT", 1.0)  # the guard against a silent process: 120 s
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    engine.events.subscribe(errors.append, NodeError)
    engine.events.subscribe(statuses.append, NodeStatus)
    engine.start(patch)
    client = f"exs-rate-keys-{os.getpid()}"
    pid, keyboard, keeper = None, None, None
    try:
        sampler = engine.node("smp")
        pid = held_before_its_rate(sampler)  # held until the end of the test's keyboard part: it opens nothing
        engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
        assert wait_for(lambda: any(ASSUMED in error.error for error in errors), HANG_GUARD_SECONDS), errors
        # A keyboard plugged in, opened by the keeper the sampler's audio process runs for its midi_port, telling
        # the sampler as that one does
        keyboard = backend("UNIX_JACK").open_output("out", virtual=True, client_name=client)
        keeper = PortKeeper("input", port=client, api="UNIX_JACK", on_message=lambda message: None,
                            report_status=sampler.report_status)
        keeper.start()
        assert wait_for(lambda: any(status.status.get("midi_port") for status in statuses), HANG_GUARD_SECONDS)
        assert assumed_stands(engine), engine._error_book.standing
        assert "smp" in engine.errors
        os.kill(pid, signal.SIGCONT)
        assert wait_for(lambda: any("device" in status.status for status in statuses), HANG_GUARD_SECONDS), errors
        assert not assumed_stands(engine), engine._error_book.standing
        assert [error.about for error in errors if ASSUMED in error.error] == ["device"]
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        if keeper is not None:
            keeper.stop()
        if keyboard is not None:
            keyboard.close()
        engine.stop()
