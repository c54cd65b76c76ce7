"""Takes sent ahead (``upcoming``) or loaded whose hand-off to the sampler's real audio process, under the JACK dummy
server, fails half-way.

Before: a Stage the process could not take (its file refused, a damaged message) left its key behind in the node,
so the take's assignment named samples the process never had: "the take for slot 1 was not sent ahead (key 1); not
loaded" on the console, while the take was told loaded, shown in its slot, and the slot played the take before it.
And a message that raised other than OSError as it was sent (one that does not pickle) kept its arena block for good
(no message named it, so no Freed either) and left the take ended by a raw exception, shown in a slot that did not
get it."""

from __future__ import annotations

import os
import pickle
import resource
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.handoff import SamplesNotShared
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer

from .helpers import sine_take
from .test_sampler_damaged_message import running_audio_process
from .test_sampler_process import audio_process_sampler, wait_for


@contextmanager
def no_descriptor_to_spare(pid: int) -> Iterator[None]:
    """The process ``pid`` may open no descriptor more: a take's file passed to it is dropped by the kernel, its
    carrier received without it."""
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    opened = {int(name) for name in os.listdir(f"/proc/{pid}/fd")}
    lowest_free = next(fd for fd in range(len(opened) + 1) if fd not in opened)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free, hard))
    try:
        yield
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.jack
def test_a_take_its_audio_process_could_not_keep_ahead_is_loaded_whole_at_its_assignment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second: a 3 s take is sent ahead in a file of its own
    with audio_process_sampler() as (sampler, context):
        process = sampler.audio.process
        assert process is not None
        take = sine_take(330.0, seconds=3.0, rate=48000)
        with no_descriptor_to_spare(process.pid):
            sampler.on_upcoming(take)
            assert wait_for(lambda: bool(context.errors)), context.errors
        sampler.on_assign(SlotAssignment("Snare", take))
        assert wait_for(lambda: sampler.sounding("Snare") == take.take_id), context.errors
        # The callback takes the samples up before the process's answer is read: "loaded" is emitted on the answer.
        assert wait_for(lambda: bool(context.emitted)), context.errors
        assert context.errors == ["a take sent ahead could not be kept (its file could not be received: the audio "
                                  "process has no file descriptor to spare): its assignment sends it again; the "
                                  "sampler plays on"]  # not "not sent ahead; not loaded"
        assert context.fates == [] and [name for name, _ in context.emitted] == ["loaded"]
        assert sampler.audio.process is process  # the same process: nothing was restarted to mend it


class Unpicklable(float):
    """A pitch that will not pickle: its message raises as it is sent, not OSError."""

    def __reduce__(self) -> tuple[type, tuple[float]]:
        raise pickle.PicklingError("a value the audio process cannot be sent")


@pytest.mark.jack
def test_a_message_that_cannot_be_sent_gives_its_block_back_and_the_take_is_not_loaded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with running_audio_process(monkeypatch) as (audio, errors):
        samples = np.full(48000 // 4, 0.1, np.float32)  # a quarter of the arena: a block of it
        why = ("its message could not be sent to the audio process: PicklingError: a value the audio process cannot "
               "be sent")
        for serial in (1, 2, 3, 4, 5):  # more than the arena holds, were the blocks kept
            with pytest.raises(SamplesNotShared, match=why):
                audio.load(0, SlotBuffer(samples.copy(), samples.size, Unpicklable(440.0), serial=serial))
            assert audio.arena.used == 0
        assert 0 not in audio.buffers
        played = SlotBuffer(samples.copy(), samples.size, 440.0, serial=6)
        audio.load(0, played)  # the next message in step: its block in the arena, its number the process's
        assert wait_for(lambda: int(audio.state.loaded_serial[0]) == 6), errors
        assert audio.arena.used == samples.size + GUARD

        ahead = SlotBuffer(samples.copy(), samples.size, 0.0)
        audio.stage(ahead)
        assert wait_for(lambda: [kept for _, kept in audio._held.values()] == [True])  # said kept: by key
        assert audio.arena.used == 2 * (samples.size + GUARD)
        with pytest.raises(SamplesNotShared, match=why):
            audio.load(1, SlotBuffer(ahead.data, ahead.frames, Unpicklable(440.0), serial=7))
        assert wait_for(lambda: audio.arena.used == samples.size + GUARD), audio.arena.used  # the staged block back
        assert int(audio.state.loaded_serial[1]) == 0 and 1 not in audio.buffers
        assert errors == [] and audio.process is not None and audio.process.poll() is None


class DamagedStage(msg.Stage):
    """A Stage that pickles but raises as it is unpickled: damaged, whole on the wire (the process answers Unread)."""

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return int, ("damaged",)


@pytest.mark.jack
def test_a_take_sent_ahead_in_a_damaged_message_is_loaded_whole_and_its_block_comes_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with running_audio_process(monkeypatch) as (audio, errors):
        samples = np.full(48000 // 4, 0.1, np.float32)  # a block of the arena
        with audio._send_lock:  # as stage() sends it, the message damaged on its way
            key = next(audio._stage_keys)
            position = audio._posted + 1
            with audio._blocks_lock:
                audio._held[key] = (position, None)
            assert audio._post(DamagedStage(key, samples.size), samples)
            audio._staged[id(samples)] = (key, samples)
        assert wait_for(lambda: audio._held.get(key) == (position, False))  # its Unread: not kept
        audio.load(0, SlotBuffer(samples, samples.size, 440.0, serial=1))  # its assignment, at once
        assert wait_for(lambda: int(audio.state.loaded_serial[0]) == 1), errors
        assert wait_for(lambda: audio.arena.used == samples.size + GUARD), audio.arena.used  # the damaged one's back
        assert not any("not sent ahead" in error for error in errors), errors
        assert audio._held == {} and audio._staged == {}
