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

from exsampling_patch.node import Node
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.events import Event, NodeHung
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .sampler_setup import held_with_a_take, jack_sampler_engine


@pytest.mark.jack
def test_a_take_waiting_for_the_rate_of_a_sampler_an_edit_removes_ends_not_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import assign

    monkeypatch.setattr(Node, "hang_after", 1.0)  # the edit goes on once the handler counts as hung (30 s)
    monkeypatch.setattr(assign, "HAND_SECONDS", 600.0)  # past the test's guard: the take is not left to wait for it
    told: list[Event] = []
    with jack_sampler_engine((told.append, NodeHung), (told.append, TakeEnded)) as engine:
        sampler = engine.node("smp")
        pid = held_with_a_take(engine)
        try:
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
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
