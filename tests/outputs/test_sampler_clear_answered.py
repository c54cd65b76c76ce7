"""Clearing a slot of the sampler's real audio process (under the JACK dummy server) while the process is stopped
(SIGSTOP): the clear, and a take sent before it, are answered late or not at all.

Before: every clear was sent numbered 0, the number of no take. One not answered in time was told "a take not loaded
into slot ...", and its late answer "a take was loaded ... after all". A take sent before the clear and answered
late counted as newer than the clear: the slot showed it again, and a restarted process was sent it again, the slot
cleared on purpose playing the old take."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.prepare import EMPTY, prepare
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map

from .helpers import sine_take
from .test_sampler_process import audio_process_sampler, wait_for

NO_ANSWER = "the audio process did not answer within 0.5 s"


def warnings(context: NodeContext) -> list[str]:
    return [status["warning"] for status in context.statuses if "warning" in status]


@pytest.fixture(autouse=True)
def answered_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the audio process has not answered within 0.5 s is told as not answered."""
    monkeypatch.setattr(host, "ANSWER_SECONDS", 0.5)


@contextlib.contextmanager
def snare_playing(take: Take) -> Iterator[tuple[Any, NodeContext, Any]]:
    """(sampler, its context, its audio process): the sampler's real audio process, ``take`` sounding in slot Snare."""
    with audio_process_sampler() as (sampler, context):
        process = sampler.audio.process
        assert process is not None
        sampler.on_assign(SlotAssignment("Snare", take))
        assert wait_for(lambda: sampler.sounding("Snare") == take.take_id), context.errors
        yield sampler, context, process


@contextlib.contextmanager
def stopped(process: Any) -> Iterator[None]:
    """The audio process stopped (SIGSTOP) for the block: what it is sent meanwhile is answered once it goes on."""
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


@pytest.mark.jack
def test_a_clear_not_answered_is_told_as_a_clear_and_cleared_after_all() -> None:
    take = sine_take(220.0, seconds=0.5, rate=48000)
    with snare_playing(take) as (sampler, context, process):
        with stopped(process):
            sampler.clear("Snare")
            cleared = sampler.buffers[1]
            assert wait_for(lambda: len(context.errors) == 2), context.errors
            # Before: "on the takes sent to it ...; each is told not loaded, and loaded after all", of a clear alone.
            assert context.errors[0] == ("the sampler's audio process is not answering: no word within 0.5 s on the "
                                         "clears sent to it (hung, or stopped); each is told not cleared, and cleared "
                                         "after all if it answers later"), context.errors
            assert context.errors[1] == f"slot Snare not cleared: {NO_ANSWER}; the slot plays {take.name}"
            assert sampler.slot_states()[1]["take"] == take.take_id  # what the process said it plays
            assert sampler.audio.buffers[1].take is take
        assert wait_for(lambda: bool(warnings(context))), context.errors
        assert warnings(context)[0].startswith("slot Snare was cleared after all, ")
        assert sampler.slot_states()[1]["take"] is None
        assert sampler.audio.buffers[1] is cleared  # a restarted process is sent the slot empty
        assert len(context.errors) == 2 and len(warnings(context)) == 1 and sampler.audio.process is process


@pytest.mark.jack
def test_a_take_answered_late_after_a_clear_stays_out_of_the_slot() -> None:
    first, late = (sine_take(hz, seconds=0.5, rate=48000) for hz in (220.0, 330.0))
    with snare_playing(first) as (sampler, context, process):
        with stopped(process):
            sampler.on_assign(SlotAssignment("Snare", late))
            assert wait_for(lambda: len(context.fates) == 1), context.errors  # told not loaded: no answer in time
            assert context.fates == [("not_loaded", f"not loaded into sampler 'smp': {NO_ANSWER}")]
            sampler.audio.answer_within = 60.0  # the clear is answered in time: only the take before it is late
            sampler.clear("Snare")
            cleared = sampler.buffers[1]
        # The late take's answer comes before the clear's: the process answers in the order it was sent them.
        assert wait_for(lambda: bool(warnings(context))), context.errors
        assert len(warnings(context)) == 1
        assert warnings(context)[0].startswith(f"{late.name} was loaded into slot Snare after all, ")
        assert wait_for(lambda: int(sampler.state.loaded_serial[1]) == cleared.serial), context.errors
        snare: dict[str, Any] = sampler.slot_states()[1]
        assert snare["take"] is None and snare["position"] == -1  # before: the late take, shown again
        assert sampler.audio.buffers[1] is cleared  # before: the late take, sent again to a restarted process
        assert sampler.audio.process is process


@contextlib.contextmanager
def audio_process_alone() -> Iterator[tuple[AudioProcess, list[str]]]:
    """A real audio process (no sound device) spoken to with no node to take its answers: its errors."""
    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2), device="none"), state,
                         errors.append, lambda **values: None)
    audio.start()
    try:
        assert audio.ready.wait(30), errors
        yield audio, errors
    finally:
        audio.stop()
        state.close()


@pytest.mark.parametrize("sent", ["a clear", "a take and a clear"])
def test_what_no_node_takes_the_answers_of_is_told_as_a_clear_or_a_take(sent: str) -> None:
    """The audio process stopped (SIGSTOP), a clear sent to slot 1 (and a take to slot 0): told unanswered, in the
    words of what each is. Before, a clear was 'the take for slot 1 was not loaded', of 'the takes sent to it'."""
    with audio_process_alone() as (audio, errors):
        process = audio.process
        assert process is not None
        audio.answer_within = 60.0
        with stopped(process):
            if sent != "a clear":
                audio.load(0, prepare(sine_take(220.0, seconds=0.5, rate=48000), 48000, serial=1))
            audio.load(1, dataclasses.replace(EMPTY, serial=2))
            audio.answer_within = 0.5  # once both are sent: found unanswered together
            assert wait_for(lambda: len(errors) == (2 if sent == "a clear" else 3)), errors
    if sent == "a clear":
        assert errors == ["the sampler's audio process is not answering: no word within 0.5 s on the clears sent to "
                          "it (hung, or stopped); each is told not cleared, and cleared after all if it answers later",
                          f"slot number 2 was not cleared: {NO_ANSWER}"], errors
    else:
        assert errors == ["the sampler's audio process is not answering: no word within 0.5 s on the takes and "
                          "clears sent to it (hung, or stopped); each take is told not loaded and each clear not "
                          "cleared, and loaded or cleared after all if it answers later",
                          f"the take for slot number 1 was not loaded: {NO_ANSWER}",
                          f"slot number 2 was not cleared: {NO_ANSWER}"], errors


def test_an_answer_to_what_the_node_never_noted_names_no_take() -> None:
    """A load the node's book never noted (not sent by load()), refused by the process: what it was is not known
    here, a take or a clear. Before, it was told 'the take for slot 1 was not loaded'."""
    with audio_process_alone() as (audio, errors):
        with audio._send_lock:
            audio._post(msg.LoadStaged(1, 99, 7, 100, 0.0, 0.0))
        assert wait_for(lambda: bool(errors)), errors
    assert errors == ["the audio process did not take what was sent to slot number 2: its samples were not sent ahead "
                      "(key 99)"], errors
