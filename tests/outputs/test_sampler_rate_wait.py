"""A take assigned while the sampler's audio process is still starting waits for the rate the process says.

The process says its device's rate once it has imported what it plays with, at the normal priority: on a loaded
machine that took 7-27 s. The node waited 10 s, then assumed 48 kHz and prepared the take at that rate, which plays off
pitch on a device of another rate; it now waits for the process's answer, or for its end. Not for its first error:
its device not open within ``open_notice`` may be told while it still asks for the rate (the wait then ended there,
with the rate assumed all the same). A stop ends the wait: the take is not loaded. A handler waiting past the node's
``hang_after`` is told hung (the device does not answer): an edit of the sampler goes on past it then, as past any hung
handler, and the sampler it builds loads the take.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Any

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Node, NodeContext
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from exsampling_patch.runtime.events import Event, NodeError, NodeHung
from exsampling_patch.runtime.parts import hang_limit
from tests.jack_tools import jack_command
from tests.sampler_start import HANG_GUARD_SECONDS, opened_or_told
from tests.waiting import wait_for

from .helpers import sine_take
from .sampler_setup import held_before_its_rate

#: A start-up held back this long: the take's wait must outlast it, for the rate said, not a time.
HELD_SECONDS = 1.0
#: The slowest start-up seen before the rate was said: the wait's limit must be past it (the node's once was 10 s).
SLOWEST_START_SECONDS = 27.0


def assigning(sampler: Any) -> threading.Thread:
    """A take of 1 s at 44.1 kHz assigned to slot Snare on a thread of its own (its handler waits for the rate)."""
    thread = threading.Thread(target=sampler.on_assign,
                              args=(SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)),), daemon=True)
    thread.start()
    return thread


@pytest.mark.jack
def test_a_take_assigned_while_the_audio_process_starts_is_prepared_at_the_rate_it_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import Sampler, host

    # The limit the take's wait is given, read as it waits (the real wait runs): held past a 10 s limit, this test
    # took 11 s; held 1 s, it shows the wait outlasts a held start, and the limit shows it outlasts 27 s of one.
    limits: list[float] = []
    real_wait = host.wait_for_rate

    def wait_for_rate(known: threading.Event, untold: threading.Event, stopping: threading.Event,
                      within: float) -> str | None:
        limits.append(within)
        return real_wait(known, untold, stopping, within)

    monkeypatch.setattr(host, "wait_for_rate", wait_for_rate)
    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        pid = held_before_its_rate(sampler)  # a start-up held back, as a loaded machine does, before its first word
        try:
            assigned = assigning(sampler)
            assigned.join(HELD_SECONDS)
            waited = assigned.is_alive()  # still waiting for the held process's word
        finally:
            os.kill(pid, signal.SIGCONT)
        assigned.join(HANG_GUARD_SECONDS)
        assert waited and not assigned.is_alive()
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        rate = int(jack_command("jack_samplerate").stdout.strip() or 48000)
        assert context.errors == []
        assert sampler.sample_rate_used == rate
        assert sampler.buffers[1].frames == rate  # one second, resampled to the rate the stream plays at
        assert limits and min(limits) > SLOWEST_START_SECONDS, limits
    finally:
        sampler.stop()


@pytest.mark.jack
def test_an_audio_process_that_ends_before_its_rate_ends_the_wait_with_the_rate_assumed_and_said() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        pid = held_before_its_rate(sampler)
        assigned = assigning(sampler)
        os.kill(pid, signal.SIGKILL)  # it ends without a word: the node restarts it, and says so
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        assert any("ended (exit status -9)" in str(error) for error in context.errors), context.errors
        # told from a thread of its own (an error of the device's, not of the take in hand): waited for
        assert wait_for(lambda: any("has not said its sample rate (it ended first); assuming 48000 Hz" in str(error)
                                    for error in context.errors)), context.errors
    finally:
        sampler.stop()


@pytest.mark.jack
def test_a_device_not_open_in_time_before_the_rate_is_said_does_not_end_the_wait() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.open_notice = 0.0  # told at once, before the process asks for the rate (as a start past 5 s tells it)
    sampler.start()
    try:
        pid = held_before_its_rate(sampler)
        try:
            assigned = assigning(sampler)
            assigned.join(1.0)
        finally:
            os.kill(pid, signal.SIGCONT)
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        assert wait_for(sampler.audio.opened.is_set, HANG_GUARD_SECONDS), context.errors
        rate = int(jack_command("jack_samplerate").stdout.strip() or 48000)
        assert any("has not opened in 0 s" in str(error) for error in context.errors), context.errors
        assert not any("sample rate" in str(error) for error in context.errors), context.errors
        assert sampler.sample_rate_used == rate
        assert sampler.buffers[1].frames == rate  # prepared at the rate the process said, not at an assumed one
    finally:
        sampler.stop()


@pytest.mark.jack
def test_a_stop_while_waiting_for_the_rate_ends_the_wait_without_a_word_of_the_rate() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    stopped = False
    try:
        pid = held_before_its_rate(sampler)  # held before its rate until the stop ends it
        assigned = assigning(sampler)
        assigned.join(1.0)
        stopping = threading.Thread(target=sampler.stop, daemon=True)
        stopping.start()
        stopped = True
        assigned.join(HANG_GUARD_SECONDS)
        assert not assigned.is_alive()
        # The wait ended at the stop, the process still held: let go now, it answers the Stop rather than wait to
        # be terminated and killed (8 s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
        stopping.join(HANG_GUARD_SECONDS)
        assert not stopping.is_alive()
        assert not any("assuming 48000 Hz" in str(error) for error in context.errors), context.errors
        assert sampler.buffers[1].take is None  # loaded nowhere: the sampler had stopped
        assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {STOPPED_WAITING}")]
    finally:
        if not stopped:
            sampler.stop()


@pytest.mark.jack
def test_an_edit_of_a_sampler_whose_process_has_not_said_its_rate_goes_on_once_its_handler_is_hung(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A JACK server hung at start holds the process before its rate: the take's handler waits for it up to
    RATE_WAIT. Picking another device rebuilds the sampler; the rebuild waits for a busy handler until it counts as
    hung, which was RATE_WAIT past ``hang_after`` (150 s): the editor's update() and every later edit held as long.
    The old node's stop ends the take's wait: it ended "not loaded ... stopped", lost, though a sampler of that id
    played on; the one built in its place loads it now."""
    from exsampling_patch.nodes.sampler import Sampler

    monkeypatch.setattr(Node, "hang_after", 1.0)  # the limit the sampler has as any node (30 s), shortened here
    spec = NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 256})
    patch, edited = Patch(), Patch()
    patch.add_node(spec)
    edited.add_node(NodeSpec("smp", "sampler", {"virtual_port": "", "blocksize": 512}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    told: list[Event] = []
    engine.events.subscribe(told.append, NodeError, NodeHung, TakeEnded)
    engine.start(patch)
    pid = None
    try:
        sampler = engine.node("smp")
        assert isinstance(sampler, Sampler)
        pid = held_before_its_rate(sampler)  # held before its first word, as PortAudio's first call on a hung server
        assert hang_limit(sampler) == 1.0  # not lengthened while the rate is unknown
        engine.inject("smp", "assign", SlotAssignment("Snare", sine_take(220.0, seconds=1.0, rate=44100)))
        assert wait_for(lambda: any(state.busy is not None and state.busy[0] is sampler
                                    for state in engine._states), HANG_GUARD_SECONDS)
        updated: list[object] = []
        updating = threading.Thread(target=lambda: updated.append(engine.update(edited)), daemon=True)
        updating.start()
        # The process still held: only the handler told hung lets the edit go on, to stop the old node (its
        # handler's wait ends there, quietly)
        assert wait_for(lambda: any(isinstance(event, NodeHung) and not event.recovered for event in told)
                        and sampler.stop_event.is_set(), HANG_GUARD_SECONDS), told
        # let go then: the old node's stop has the process answer, rather than wait to terminate and kill it (8 s)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
        updating.join(HANG_GUARD_SECONDS)
        assert updated, "the edit waited for the handler that waits for the held process's rate"
        rebuilt = engine.node("smp")
        assert isinstance(rebuilt, Sampler) and rebuilt is not sampler
        # Nothing was sent to the old process; the take lands in the sampler built in its place (before, it ended
        # "not loaded ... stopped" though a sampler of that id played on)
        assert sampler.audio.buffers == {}
        assert wait_for(lambda: any(isinstance(event, TakeEnded) for event in told), HANG_GUARD_SECONDS), told
        (end,) = [event for event in told if isinstance(event, TakeEnded)]
        assert (end.fate, end.reason, end.loaded) == ("slot", "slot Snare", ("smp",)), told
        assert wait_for(lambda: rebuilt.sounding("Snare") is not None, HANG_GUARD_SECONDS), told
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):  # ended by the old node's stop
                os.kill(pid, signal.SIGCONT)
        engine.stop()
    assert not any(isinstance(event, NodeError) and "assuming 48000 Hz" in event.error for event in told), told
