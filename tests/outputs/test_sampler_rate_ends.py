"""How a take's wait for the sampler's sample rate ends, and what waits behind it (JACK dummy server, the audio
process held with SIGSTOP before it says the device's rate, as a JACK server hung at start holds it).

- The node's stop ends the wait: the take is told not loaded, and nothing of it goes to the process. Before, the wait
  returned 48 kHz quietly and the take went on to the process whose stop had begun: one it still answered was told
  loaded into a sampler an edit was taking out.
- The wait is not under the node's records lock: ``clear()`` and the process's answers went on only once it was over.
- ``stats()`` never waits for the rate: it waited as long as a take (up to 120 s), then assumed one.
- The "assuming 48000 Hz" error is the device's, not the take's: the take it loads ended named loaded nowhere.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.host import wait_for_rate
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING
from exsampling_patch.runtime import NodeError, TakeEnded
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .sampler_setup import held_before_its_rate, held_with_a_take, jack_sampler_engine
from .test_sampler_rate_wait import assigning


def waiting_for_the_rate(thread: threading.Thread) -> bool:
    """Whether ``thread`` is inside the wait for the audio process's rate (``host.wait_for_rate``) now."""
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code is wait_for_rate.__code__:
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def held_sampler() -> Iterator[tuple[Any, NodeContext, int]]:
    """A sampler of its own (no runtime) whose audio process is held before it says its rate: the node, its context
    and the process's pid; let go and stopped after."""
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    pid = None
    try:
        pid = held_before_its_rate(sampler)
        yield sampler, context, pid
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        sampler.stop()


def assigned_and_waiting(sampler: Any) -> threading.Thread:
    """A take assigned to slot Snare, its handler inside the wait for the rate (not before it)."""
    assigned = assigning(sampler)
    assert wait_for(lambda: waiting_for_the_rate(assigned), HANG_GUARD_SECONDS)
    return assigned


@pytest.mark.jack
def test_a_take_whose_wait_for_the_rate_the_stop_ends_is_not_loaded_nor_sent() -> None:
    with held_sampler() as (sampler, context, _):
        assigned = assigned_and_waiting(sampler)
        # The first thing the node's stop does, before it stops the process (which may still answer what it is sent)
        sampler.stop_event.set()
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {STOPPED_WAITING}")]
        assert sampler.buffers[1].take is None and sampler.audio.buffers == {}  # nothing prepared, nothing sent
        assert [port for port, _ in context.emitted] == []
        assert not any("assuming 48000 Hz" in str(error) for error in context.errors), context.errors


@pytest.mark.jack
def test_a_take_waiting_for_the_rate_does_not_hold_a_clear_of_another_slot() -> None:
    with held_sampler() as (sampler, context, pid):
        assigned = assigned_and_waiting(sampler)  # a clear that went before the wait passed whether it held the lock
        # From a thread of its own, as the process's answers take the same lock (answers.settle)
        clearing = threading.Thread(target=sampler.clear, args=("HH",), daemon=True)
        clearing.start()
        clearing.join(HANG_GUARD_SECONDS)
        assert not clearing.is_alive()
        assert assigned.is_alive(), "the clear went on only once the take's wait for the rate was over"
        os.kill(pid, signal.SIGCONT)
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        assert wait_for(lambda: sampler.sounding("Snare") is not None, HANG_GUARD_SECONDS), context.errors


@pytest.mark.jack
def test_stats_before_the_rate_is_said_do_not_wait_for_it() -> None:
    with held_sampler() as (sampler, context, _):
        assert sampler.stats()["sample_rate"] == 0  # not said yet
        assert not sampler.audio.rate_known.is_set()
        assert context.errors == []


@pytest.mark.jack
def test_a_take_loaded_at_an_assumed_rate_ends_named_loaded() -> None:
    ended: list[TakeEnded] = []
    errors: list[NodeError] = []
    with jack_sampler_engine((ended.append, TakeEnded), (errors.append, NodeError)) as engine:
        pid = held_with_a_take(engine)
        os.kill(pid, signal.SIGKILL)  # it ends before its rate: the take is loaded at 48 kHz, assumed and said
        assert wait_for(lambda: bool(ended), HANG_GUARD_SECONDS), errors
        (end,) = ended
        assert (end.fate, end.reason, end.loaded) == ("slot", "slot Snare", ("smp",))
        # said all the same, as the device's error (no port: not the take's)
        assert wait_for(lambda: any("assuming 48000 Hz" in error.error and error.port is None for error in errors),
                        HANG_GUARD_SECONDS), errors
