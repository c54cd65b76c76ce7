"""The sampler's "audio process ended ...; restarting it" error is the device's: it stands until the new process opens
the device. Told about nothing, any opening ended it: a MIDI keyboard plugged in (here a JACK MIDI port of the test's
own, on the dummy server) cleared it while the sampler was silent, its process not started again yet.
"""

from __future__ import annotations

import os
import signal

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from exsampling_patch.runtime.events import NodeStatus
from tests.sampler_start import HANG_GUARD_SECONDS, opened_or_told
from tests.waiting import wait_for

RESTARTING = "restarting it"


def restarting_stands(engine: Engine) -> bool:
    with engine._error_book.lock:
        return any(RESTARTING in error.error for error in engine._error_book.standing.get("smp", []))


@pytest.mark.jack
def test_the_restarting_error_stands_when_a_midi_keyboard_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.midi_ports import PortKeeper, backend
    from exsampling_patch.nodes.sampler import host

    monkeypatch.setattr(host, "RESTART_SECONDS", 600.0)  # no new process while the keyboard opens: the stop ends it
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    errors: list[NodeError] = []
    statuses: list[NodeStatus] = []
    engine.events.subscribe(errors.append, NodeError)
    engine.events.subscribe(statuses.append, NodeStatus)
    engine.start(patch)
    client = f"exs-restart-keys-{os.getpid()}"
    keyboard, keeper = None, None
    try:
        sampler = engine.node("smp")
        assert opened_or_told(sampler.audio, lambda: errors), errors
        assert sampler.audio.process is not None
        os.kill(sampler.audio.process.pid, signal.SIGKILL)
        assert wait_for(lambda: restarting_stands(engine), HANG_GUARD_SECONDS), errors
        keyboard = backend("UNIX_JACK").open_output("out", virtual=True, client_name=client)
        keeper = PortKeeper("input", port=client, api="UNIX_JACK", on_message=lambda message: None,
                            report_status=sampler.report_status)
        keeper.start()
        assert wait_for(lambda: any(status.status.get("midi_port") for status in statuses), HANG_GUARD_SECONDS)
        assert restarting_stands(engine), engine._error_book.standing
        assert "smp" in engine.errors
        assert [error.about for error in errors if RESTARTING in error.error] == ["device"]
    finally:
        if keeper is not None:
            keeper.stop()
        if keyboard is not None:
            keyboard.close()
        engine.stop()
