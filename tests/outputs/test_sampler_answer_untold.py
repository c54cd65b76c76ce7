"""A take the sampler's real audio process (JACK dummy server) loaded, whose status report fails once the process
has it (``answers.settle``), ends loaded into the sampler, the failure told on the node's ``assign`` input, as the
in-process path does (test_sampler_untold_ends_loaded.py). Before, the failure left ``settle`` before it emitted
``loaded`` and closed the take it kept open: the take never ended (its source never wrote it down as done), and the
console said "the sampler could not take its audio process's answer: ValueError('...')". Whatever fails in
``settle``, a take kept open ends as the process said (one not loaded, whose telling failed, never ended either).

Real reports do not fail (the runtime's event bus keeps an observer's failure to itself): the sampler's context here
is the running engine's, failing the status report of one take as a broken one would."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler.answer_telling import AnswerTelling
from exsampling_patch.nodes.sampler.answers import Answer
from exsampling_patch.nodes.sampler.prepare import EMPTY, prepare
from tests.sampler_start import opened_or_told
from tests.waiting import wait_for

from .helpers import sine_take
from .sampler_setup import JACK_SAMPLER, StatusFails, kick_snare_engine, untold_take_ended, untold_until_the_next_take
from .test_sampler_load_answered import NOT_RECEIVED
from .test_sampler_staged_lost import no_descriptor_to_spare


@pytest.mark.jack
def test_a_take_the_audio_process_loaded_whose_status_report_fails_ends_loaded_with_the_failure_told(
        tmp_path: Path) -> None:
    with kick_snare_engine(JACK_SAMPLER, base_dir=tmp_path) as (engine, told, ended):
        sampler: Any = engine.node("smp")
        assert sampler.audio.answers  # its own audio process: the take's status goes once the process has it
        assert opened_or_told(sampler.audio, lambda: engine.errors), engine.errors
        # before: never ended (kept open for the process's answer, never closed)
        untold, next_one = untold_take_ended(engine, told, ended)
        assert sampler.sounding("Snare") == untold.take_id
        # told as the in-process path tells it: the next take the sampler loads ends it
        untold_until_the_next_take(engine, told, ended, untold.name, next_one)


@pytest.mark.jack
def test_a_take_not_loaded_whose_telling_fails_ends_not_loaded_with_the_failure_told(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A take the audio process could not receive, whose slot's status (naming the take the slot plays instead) fails:
    before, the failure came ahead of the take's close, which never came, and was told "the sampler could not take
    its audio process's answer: ValueError('the status could not be sent')"."""
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)  # one second: a 3 s take is sent in a file of its own
    with kick_snare_engine(JACK_SAMPLER, base_dir=tmp_path) as (engine, told, ended):
        sampler: Any = engine.node("smp")
        assert opened_or_told(sampler.audio, lambda: engine.errors), engine.errors
        sampler.context = context = StatusFails(engine)
        first, lost = (sine_take(hz, seconds=3.0, rate=48000) for hz in (220.0, 330.0))
        engine.inject("smp", "assign", SlotAssignment("Snare", first))
        assert wait_for(lambda: len(ended) == 1, 10.0), told
        context.failing.add(first.take_id)  # the status that says the slot plays it, the lost take skipped
        with no_descriptor_to_spare(sampler.audio.process.pid):
            engine.inject("smp", "assign", SlotAssignment("Snare", lost))
            assert wait_for(lambda: len(ended) == 2, 10.0), told  # before: never ended
        assert (ended[1].take_id, ended[1].reason) == (lost.take_id, f"slot Snare, not loaded into sampler 'smp': "
                                                                      f"{NOT_RECEIVED}")
        assert wait_for(lambda: len(told) == 2, 10.0)
        assert [error.error for error in told] == [
            f"{lost.name} not loaded into slot Snare: {NOT_RECEIVED}; the slot plays {first.name}",
            f"{lost.name} was not loaded into slot number 2 by the audio process ({NOT_RECEIVED}), but the sampler "
            "could not tell it: ValueError: the status could not be sent; the take ends not loaded all the same"]
        assert sampler.sounding("Snare") == first.take_id


class Telling(AnswerTelling):
    """The answer telling of an audio process host, its ``on_answer`` failing as a node's may."""

    def __init__(self, error: Exception) -> None:
        self.errors: list[str] = []
        self.report_error = self.errors.append

        def fail(answer: Answer) -> None:
            raise error

        self.on_answer = fail


@pytest.mark.parametrize(("why", "late", "told"), [
    ("", 0.0, "{name} was loaded into slot number 2 by the audio process, but the sampler could not tell it: "
              "ValueError: no status; the take ends loaded all the same"),
    ("its file could not be mapped", 0.0,
     "{name} was not loaded into slot number 2 by the audio process (its file could not be mapped), but the sampler "
     "could not tell it: ValueError: no status; the take ends not loaded all the same"),
    ("", 4.0, "{name} was loaded into slot number 2 by the audio process after all, but the sampler could not tell it: "
              "ValueError: no status"),
])
def test_an_answer_the_sampler_cannot_take_is_told_in_words(why: str, late: float, told: str) -> None:
    """Before: "the sampler could not take its audio process's answer: ValueError('no status')", a Python repr that
    named neither the take nor what becomes of it."""
    take = sine_take(220.0, seconds=0.1)
    telling = Telling(ValueError("no status"))
    telling._tell(Answer(1, prepare(take, 48000), why, late=late))
    assert telling.errors == [told.format(name=take.name)]


def test_a_clear_the_sampler_cannot_take_is_told_in_words() -> None:
    telling = Telling(ValueError("no status"))
    telling._tell(Answer(0, replace(EMPTY, serial=3)))
    assert telling.errors == ["slot number 1 was cleared by the audio process, but the sampler could not tell it: "
                              "ValueError: no status"]
