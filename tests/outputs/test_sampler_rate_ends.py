"""How a take's wait for the sampler's sample rate ends, and what waits behind it (JACK dummy server, the audio
process held with SIGSTOP before it says the device's rate, as a JACK server hung at start holds it).

- The node's stop ends the wait: the take is told not loaded, and nothing of it goes to the process. Before, the wait
  returned 48 kHz quietly and the take went on to the process whose stop had begun: one it still answered was told
  loaded into a sampler an edit was taking out.
- The wait is not under the node's records lock: ``clear()`` and the process's answers went on only once it was over.
- ``stats()`` never waits for the rate: it waited as long as a take (up to 120 s), then assumed one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING
from tests.sampler_start import HANG_GUARD_SECONDS
from tests.waiting import wait_for

from .test_sampler_rate_wait import assigning, held_before_its_rate


@pytest.mark.jack
def test_a_take_whose_wait_for_the_rate_the_stop_ends_is_not_loaded_nor_sent() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    pid = None
    try:
        pid = held_before_its_rate(sampler)
        assigned = assigning(sampler)
        assigned.join(0.5)
        # The first thing the node's stop does, before it stops the process (which may still answer what it is sent)
        sampler.stop_event.set()
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {STOPPED_WAITING}")]
        assert sampler.buffers[1].take is None and sampler.audio.buffers == {}  # nothing prepared, nothing sent
        assert [port for port, _ in context.emitted] == []
        assert not any("assuming 48000 Hz" in error for error in context.errors), context.errors
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        sampler.stop()


@pytest.mark.jack
def test_a_take_waiting_for_the_rate_does_not_hold_a_clear_of_another_slot() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    pid = None
    try:
        pid = held_before_its_rate(sampler)
        assigned = assigning(sampler)
        assigned.join(0.5)
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
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        sampler.stop()


@pytest.mark.jack
def test_stats_before_the_rate_is_said_do_not_wait_for_it() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    pid = None
    try:
        pid = held_before_its_rate(sampler)
        assert sampler.stats()["sample_rate"] == 0  # not said yet
        assert not sampler.audio.rate_known.is_set()
        assert context.errors == []
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        sampler.stop()
