"""A sampler an edit removes while a take's handler waits for its audio process's rate (a JACK server hung at start
holds it): the take ends not loaded as soon as the node stops. A take whose wait an edit's rebuild ends is parked for
the sampler built in its place (.assign; test_sampler_rate_wait.py); none is built for a removed one, and the take
waited for it until ``HAND_SECONDS`` ran out."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Node
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from exsampling_patch.runtime.events import Event, NodeHung
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .helpers import sine_take
from .test_sampler_rate_wait import held_before_its_rate


@pytest.mark.jack
def test_a_take_waiting_for_the_rate_of_a_sampler_an_edit_removes_ends_not_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import assign

    monkeypatch.setattr(Node, "hang_after", 1.0)  # the edit goes on once the handler counts as hung (30 s)
    monkeypatch.setattr(assign, "HAND_SECONDS", 600.0)  # past the test's guard: the take is not left to wait for it
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    told: list[Event] = []
    engine.events.subscribe(told.append, NodeHung, TakeEnded)
    engine.start(patch)
    pid = None
    try:
        sampler = engine.node("smp")
        pid = held_before_its_rate(sampler)
        engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
        assert wait_for(lambda: any(state.busy is not None and state.busy[0] is sampler
                                    for state in engine._states), HANG_GUARD_SECONDS)
        updating = threading.Thread(target=engine.update, args=(Patch(),), daemon=True)
        updating.start()
        assert wait_for(lambda: sampler.stop_event.is_set(), HANG_GUARD_SECONDS), told
        with contextlib.suppress(ProcessLookupError):  # its stop has the process answer, not wait to kill it
            os.kill(pid, signal.SIGCONT)
        updating.join(HANG_GUARD_SECONDS)
        assert not updating.is_alive()
        assert wait_for(lambda: any(isinstance(event, TakeEnded) for event in told), HANG_GUARD_SECONDS), told
        (end,) = [event for event in told if isinstance(event, TakeEnded)]
        assert (end.fate, end.reason, end.loaded) == (
            "slot", f"slot Snare, not loaded into sampler 'smp': {STOPPED_WAITING}", ()), told
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        engine.stop()
