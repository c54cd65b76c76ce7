"""The sampler's audio process under the JACK dummy server: shared state both ways, and a crash survived."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.prepare import GUARD
from exsampling_patch.nodes.sampler.shared import XRUN_SLOTS, SharedState
from exsampling_patch.nodes.sampler.stream import AudioOutput
from tests.jack_tools import jack_command
from tests.sampler_start import opened_or_told

from .helpers import sine_take


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@contextmanager
def audio_process_sampler() -> Iterator[tuple[Any, NodeContext]]:
    """A sampler node with its audio process playing under JACK (no MIDI port), stopped afterwards."""
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        yield sampler, context
    finally:
        sampler.stop()


def test_shared_state_is_the_same_memory_in_every_mapping() -> None:
    state = SharedState.create(4)
    other = SharedState.attach(4, state.fd)  # as the audio process maps it, from the same descriptor
    try:
        state.gain[2] = 0.25
        state.ring.push(1, 0, 60, 100, 1.5)
        other.levels[1] = 0.75
        other.counters[0] = 7
        assert other.gain[2] == 0.25 and other.master[0] == 1.0
        assert other.ring.pending() == 1 and other.ring.note[0] == 60 and other.ring.stamp[0] == 1.5
        assert state.levels[1] == 0.75 and state.callbacks == 7
    finally:
        state.close()


def test_notes_the_callback_dropped_unplayed_are_reported_on_the_status_as_they_add_up() -> None:
    """A note too late to play, or come while no audio process ran, is dropped by the callback and counted there;
    the performer saw xruns on the sampler's line but nothing of these: a groove's hits missing without a word."""
    from exsampling_patch.nodes.sampler.shared import LATE_DROPPED, UNSTARTED_DROPPED

    core = SamplerCore(2, 48000)
    said: list[dict[str, int]] = []
    output = AudioOutput(core, report_status=lambda **values: said.append(values))
    output._report_dropouts()
    assert said == []  # nothing dropped, nothing said
    core.state.counters[LATE_DROPPED] += 2  # as the callback counts them
    output._report_dropouts()
    output._report_dropouts()  # said once, as the count grows
    core.state.counters[UNSTARTED_DROPPED] += 1
    output._report_dropouts()
    assert said == [{"dropped_notes": 2}, {"dropped_notes": 3}]


def test_the_stream_notes_when_each_xrun_was_reported() -> None:
    """The times let a benchmark tell xruns that follow a stall of the whole machine from the others."""
    core = SamplerCore(2, 48000)
    output = AudioOutput(core)
    out = np.zeros((256, 2), np.float32)
    before = time.monotonic()
    for underflow in (False, True, False, True):
        output._callback(out, 256, None, SimpleNamespace(output_underflow=underflow))
    times = core.state.xrun_times()
    assert core.state.xruns == 2 and core.state.callbacks == 4
    assert len(times) == 2 and before <= times[0] <= times[1] <= time.monotonic()
    assert core.state.xrun_times(since=1).tolist() == times[1:].tolist()
    for _ in range(XRUN_SLOTS + 10):  # the ring keeps the latest, oldest first
        output._callback(out, 256, None, SimpleNamespace(output_underflow=True))
    times = core.state.xrun_times()
    assert len(times) == XRUN_SLOTS and (np.diff(times) >= 0).all() and times[-1] >= before


NODE_ALONE = """
import sys
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler
from tests.sampler_start import opened_or_told
context = NodeContext()
sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
sampler.start()
opened = opened_or_told(sampler.audio, lambda: context.errors)
print(opened, sampler.sample_rate_used, "sounddevice" in sys.modules)
sampler.stop()
"""


@pytest.mark.jack
def test_the_audio_process_asks_the_device_for_its_rate() -> None:
    """The node's own process never starts PortAudio: under JACK that would be one more client for the server
    to wake every period, for the whole show. The rate the stream runs at comes from the audio process."""
    out = subprocess.run([sys.executable, "-c", NODE_ALONE], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    opened, rate, portaudio_here = out.stdout.split()
    jack_rate = int(jack_command("jack_samplerate").stdout.strip() or 48000)
    assert (opened, int(rate), portaudio_here) == ("True", jack_rate, "False")


@pytest.mark.jack
def test_audio_process_plays_patch_notes_and_survives_being_killed() -> None:
    with audio_process_sampler() as (sampler, context):
        assert sampler.core is None  # the callback is not in this process
        take = sine_take(220.0, seconds=5.0)
        sampler.on_assign(SlotAssignment("HH", take))
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id)
        sampler.on_control(ControlValue("HH.gain", 0.5))
        sampler.note_on("HH", 69, 127)  # through the shared ring: the other process's callback starts it
        assert wait_for(lambda: sampler.stats()["notes"] == 1)
        assert wait_for(lambda: sampler.slot_states()[0]["level"] > 0.1)  # its meter, read back here
        assert sampler.slot_states()[0]["voices"] == 1

        process = sampler.audio.process
        assert process is not None
        process.kill()
        assert wait_for(lambda: any("audio process ended" in str(e) for e in context.errors))
        assert wait_for(lambda: sampler.audio.process is not process and sampler.audio.opened.is_set())
        # the new process has the slot again, and the gain set before the crash (shared state outlives it)
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id)
        notes = sampler.stats()["notes"]
        sampler.note_on("HH", 57, 100)
        assert wait_for(lambda: sampler.stats()["notes"] == notes + 1)
        assert sampler.state.gain[0] == 0.5
    assert sampler.audio.process is not None and sampler.audio.process.poll() is not None


@pytest.mark.jack
def test_takes_sent_ahead_switch_at_their_assignment_and_their_memory_comes_back() -> None:
    from exsampling_patch.nodes.sampler import UPCOMING_KEEP

    with audio_process_sampler() as (sampler, _):
        arena = sampler.audio.arena
        first, second = sine_take(220.0, seconds=2.0), sine_take(330.0, seconds=2.0)
        sampler.on_upcoming(first)  # while it is classified: its samples go to the audio process now
        in_arena = arena.used
        assert in_arena == sampler._upcoming[first.take_id].frames + GUARD  # resampled to the stream's rate
        sampler.on_assign(SlotAssignment("HH", first.derive(meta={"pitch_hz": 220.0})))  # pitched on the way
        assert arena.used == in_arena  # the assignment only switched: nothing more was written
        assert wait_for(lambda: sampler.sounding("HH") == first.take_id)
        assert sampler.slot_states()[0]["pitch_hz"] == 220.0  # what the assignment added is there

        sampler.on_assign(SlotAssignment("HH", second))  # not sent ahead: written at its assignment
        assert wait_for(lambda: sampler.sounding("HH") == second.take_id)
        # the callback has let go of the first take: the process gives its block back
        block = sampler.buffers[0].frames + GUARD
        assert wait_for(lambda: arena.used == block)

        unused = [sine_take(440.0, seconds=0.5) for _ in range(UPCOMING_KEEP + 1)]
        for take in unused:  # turned down by the gate, say: never assigned
            sampler.on_upcoming(take)
        # the oldest beyond UPCOMING_KEEP is dropped, and its block comes back
        ahead = sum(buffer.frames + GUARD for buffer in sampler._upcoming.values())
        assert len(sampler._upcoming) == UPCOMING_KEEP and unused[0].take_id not in sampler._upcoming
        assert wait_for(lambda: arena.used == block + ahead)


@pytest.mark.jack
def test_a_take_too_long_for_the_arena_gets_memory_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from exsampling_patch.nodes.sampler import host

    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second of samples
    with audio_process_sampler() as (sampler, context):
        short, long = sine_take(220.0, seconds=0.5, rate=48000), sine_take(330.0, seconds=3.0, rate=48000)
        sampler.on_assign(SlotAssignment("HH", short))  # fits: in the arena
        sampler.on_assign(SlotAssignment("Snare", long))  # does not: a file of its own, passed over the socket
        assert wait_for(lambda: sampler.sounding("HH") == short.take_id)
        assert wait_for(lambda: sampler.sounding("Snare") == long.take_id)
        assert sampler.audio.arena.used == short.frames + GUARD
        sampler.note_on("Snare", 69, 127)
        assert wait_for(lambda: sampler.slot_states()[1]["level"] > 0.1)  # and it plays
        assert not context.errors


def test_notes_that_come_while_no_audio_process_runs_are_counted_when_it_restarts() -> None:
    """A restarted process starts from an empty ring: what came while none ran would play late, stacked. Those
    notes were emptied without a trace; a performer who heard hits go missing found nothing in stats()."""
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.rig import AudioConfig
    from exsampling_patch.nodes.sampler.ring import NOTE_OFF, NOTE_ON
    from exsampling_patch.nodes.sampler.slots import channel_map

    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2), device="none"), state,
                         errors.append, lambda **values: None)
    audio.start()
    try:
        assert audio.ready.wait(30), errors
        process = audio.process
        assert process is not None
        process.kill()
        assert wait_for(lambda: process.poll() is not None)
        for note in range(60, 65):  # a pattern's steps, while the reader waits to restart the process
            state.ring.push(NOTE_ON, 0, note, 100, time.perf_counter())
            state.ring.push(NOTE_OFF, 0, note, 0, time.perf_counter())
        state.ring.push(NOTE_ON, 0, 65, 0, time.perf_counter())  # velocity 0: a note off
        assert wait_for(lambda: audio.process is not process and audio.ready.is_set(), 30), errors
        assert state.unstarted_dropped == 5 and state.ring.pending() == 0
    finally:
        audio.stop()
        state.close()


@pytest.mark.jack
def test_notes_that_come_while_the_audio_process_starts_are_dropped_not_stacked() -> None:
    """Notes from the patch that come after the node started its audio process and before the stream's first
    block (the process takes a second or more to start) were all played in that first block, stacked: a flam of
    every hit of that second. Like the notes that came while no process ran, they are dropped and counted
    (``unstarted_dropped``); a note that comes once the stream plays is played."""
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp-early", {"virtual_port": ""}, context)
    sampler.start()
    try:
        for note in range(60, 65):  # a keyboard played while the process starts
            sampler.note_on("HH", note, 100)
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        callbacks = sampler.state.callbacks
        assert wait_for(lambda: sampler.state.callbacks > callbacks + 2)
        assert int(sampler.state.notes_in.sum()) == 0, "notes queued before the stream's first block played"
        assert sampler.stats()["unstarted_dropped"] == 5
        sampler.note_on("HH", 69, 100)
        assert wait_for(lambda: int(sampler.state.notes_in.sum()) == 1)
        assert sampler.stats()["unstarted_dropped"] == 5
    finally:
        sampler.stop()


@pytest.mark.jack
def test_the_audio_process_gets_a_take_less_its_dc_offset() -> None:
    """A voice starts on the take's first sample and is cut after its last: an offset played is a step there,
    a click at each end of every note. The samples the callback reads are the take's sound without it."""
    from exsampling_patch.messages import Take
    from exsampling_patch.nodes.sampler.handoff import Arena

    with audio_process_sampler() as (sampler, context):
        rate = sampler.sample_rate_used
        sound = sine_take(200.0, seconds=1.0, rate=rate, pitch=0).samples[:, 0]  # whole cycles: no mean of its own
        take = Take(sound + np.float32(0.25), rate)
        sampler.on_assign(SlotAssignment("HH", take))
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id)
        arena = sampler.audio.arena
        (offset,) = arena._used  # the one block written: the slot's samples
        mapped = Arena.attach(arena.fd, arena.capacity * 4)  # as the process maps it
        played = mapped[offset:offset + take.frames + GUARD]
        # the offset, a constant, is all that is taken away (a high-pass moved the sine by 0.01 as it started)
        np.testing.assert_allclose(played[: take.frames], sound, atol=1e-6)
        # the steps into the first sample and out of the last are the sine's own (< 0.02), not 0.25
        assert abs(played[0]) < 1e-6 and abs(played[take.frames - 1]) < 0.02
        assert not context.errors
