"""The sampler's audio process (real, under the JACK dummy server) given messages it cannot read or act on.

Before: anything but the connection's end (EOFError, OSError) from a message ended the process with a traceback: an
unpickling error of a damaged message, an empty message (whose EOFError was taken for the node's end: exit 0, not a
word from the process), a message of a kind it does not know. The node started another a second later, the show
silent meanwhile, every slot sent again."""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.handoff import SamplesNotShared, send_file, share_samples
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map

from .test_sampler_share_fails import file_size_limit


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@contextmanager
def running_audio_process(monkeypatch: pytest.MonkeyPatch,
                          device: str = "") -> Iterator[tuple[AudioProcess, list[str]]]:
    """The real audio process, playing through the JACK dummy server (``device`` "": the default) or with no stream
    ("none")."""
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second of samples
    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2), device=device), state,
                         errors.append, lambda **values: None)
    audio.start()
    try:
        assert (audio.opened if device != "none" else audio.ready).wait(20), errors
        yield audio, errors
    finally:
        audio.stop()
        state.close()


def loads_in_step(audio: AudioProcess, serial: int) -> bool:
    """Whether a take sent now (too long for the arena: its samples in a file of their own) sounds in slot 0."""
    samples = np.full(2 * 48000, 0.1, np.float32)
    audio.load(0, SlotBuffer(samples, samples.size, 0.0, serial=serial))
    return wait_for(lambda: int(audio.state.loaded_serial[0]) == serial)


@pytest.mark.jack
def test_messages_it_cannot_read_are_told_and_the_audio_process_plays_on(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_audio_process(monkeypatch) as (audio, errors):
        process = audio.process
        assert process is not None and audio.child.connection is not None
        connection = audio.child.connection
        with audio._send_lock:
            connection.send_bytes(pickle.dumps({"slot": 1})[:-3])  # a pickle cut short
            connection.send_bytes(b"")  # nothing at all: unpickling it raises EOFError
            connection.send(("load", 1))  # a message of a kind it does not know
            # A damaged message that a take's file followed (as a Load with offset -1 is): the file's carrier is
            # not read as the start of the next message, which would put every message after it out of step.
            connection.send_bytes(b"\x80\x05damaged")
            send_file(connection, share_samples(np.zeros(480, np.float32)), process.pid)
            audio._posted += 4  # numbered as the process counts them: its answers name messages so (msg.Unread)
        assert loads_in_step(audio, serial=7), errors
        assert process.poll() is None and audio.process is process  # the same process: it was never restarted
        assert audio.opened.is_set()
        unread = [error for error in errors if "could not be read" in error]
        assert len(unread) == 3, errors
        assert all(error.endswith("the sampler plays on") for error in unread), errors
        assert any("does not know" in error for error in errors), errors
        assert not any("ended" in error for error in errors), errors


def test_a_take_file_passed_after_a_damaged_message_is_told_from_one_passed_later(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message is queued before the process reads any (it is stopped meanwhile: no stream, whose JACK client
    would be dropped): a peek at the message after the first damaged one also shows the descriptors of the file
    passed after the second; taken for its own, the next message's length was read as a file's carrier."""
    with running_audio_process(monkeypatch, device="none") as (audio, errors):
        process = audio.process
        assert process is not None and audio.child.connection is not None
        connection = audio.child.connection
        os.kill(process.pid, signal.SIGSTOP)
        try:
            with audio._send_lock:
                connection.send_bytes(b"\x80\x05damaged")  # no file after this one
                connection.send(msg.Unstage(1))
                connection.send_bytes(pickle.dumps({"slot": 1})[:-3])  # a file after this one
                send_file(connection, share_samples(np.zeros(480, np.float32)), process.pid)
                connection.send(msg.LoadStaged(1, 99, 1, 480, 0.0, 0.0))  # it answers that nothing was sent ahead
        finally:
            os.kill(process.pid, signal.SIGCONT)
        assert wait_for(lambda: any("key 99" in error for error in errors)), errors
        assert process.poll() is None and audio.process is process
        assert [error for error in errors if "could not be read" in error] == [
            f"a message from the sampler node could not be read ({why}): ignored, the sampler plays on"
            for why in ("could not find MARK", "pickle data was truncated")], errors


class Unpicklable(msg.Load):
    """A Load that pickles but raises as it is unpickled (int("damaged")): a damaged message, whole on the wire."""

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return int, ("damaged",)


def test_the_arena_block_of_a_damaged_message_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the block a damaged message pointed at was read by no one, so no Freed named it: it stayed taken for
    good, and enough such messages filled the arena (every take then a file of its own)."""
    with running_audio_process(monkeypatch, device="none") as (audio, errors):
        samples = np.full(48000 // 3, 0.1, np.float32)  # a third of the arena: a block of it, not a file
        for round_ in range(4):  # more than the arena holds, were the blocks kept
            with audio._send_lock:
                audio._post(Unpicklable(0, round_ + 1, samples.size, 0.0, 0.0), samples)
            assert wait_for(lambda: audio.arena.used == 0), (round_, audio.arena.used, errors)
        assert any("could not be read" in error for error in errors), errors  # the same words: told once
        with audio._send_lock:
            audio._post(msg.LoadStaged(1, 99, 1, 480, 0.0, 0.0))  # read in step: it answers that none was sent ahead
        assert wait_for(lambda: any("key 99" in error for error in errors)), errors


def test_a_message_whose_samples_could_not_be_shared_takes_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """A message refused before it was sent (its samples could not be put in a file of their own) was counted all
    the same: the node's numbers ran one ahead of the process's from then on, and the block an Unread named was the
    one of the message before the damaged one: a take a slot still played went back to the arena (the next take
    written over it as it sounded), the damaged one's stayed taken."""
    with running_audio_process(monkeypatch, device="none") as (audio, errors):
        refused = np.full(2 * 48000, 0.1, np.float32)  # longer than the arena: a file of its own
        with audio._send_lock, file_size_limit(64 << 10), pytest.raises(SamplesNotShared):
            audio._post(msg.Load(0, 1, refused.size, 0.0, 0.0), refused)
        played, damaged = np.full(48000 // 4, 0.1, np.float32), np.full(48000 // 3, 0.1, np.float32)
        with audio._send_lock:
            audio._post(msg.Load(0, 2, played.size, 0.0, 0.0), played)
            audio._post(Unpicklable(1, 3, damaged.size, 0.0, 0.0), damaged)
        assert wait_for(lambda: any("could not be read" in error for error in errors)), errors  # after its Unread
        assert audio.arena.used == played.size + GUARD, errors
