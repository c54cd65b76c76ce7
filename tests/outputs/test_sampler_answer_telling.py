"""The thread that tells the sampler's audio process's answers (.answer_telling): it goes on past an answer whose
telling fails, and numbers slots from 1 where it has no slot names, as the rest of what the performer reads does.

Before, a report that raised while an answer was told (the node's context failing, as a broken one would) ended the
thread for good: no later answer was told, and every take kept open for one never ended. And "the audio process did
not take what was sent to slot 0" named the first slot, which every other line calls slot number 1 (or by name)."""

from __future__ import annotations

import queue
import threading

from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.answer_telling import AnswerTelling
from exsampling_patch.nodes.sampler.answers import ANSWER_SECONDS, Answer, LoadBook
from exsampling_patch.nodes.sampler.prepare import SlotBuffer, prepare

from .helpers import sine_take


class Telling(AnswerTelling):
    """The answer telling of an audio process host, with its book, queue and lock, told answers kept in
    :attr:`told`; its first ``failing`` reports raise, as a broken node context's would."""

    def __init__(self, failing: int = 0, node: bool = True) -> None:
        self.book, self.epoch = LoadBook(), 0
        self.buffers: dict[int, SlotBuffer] = {}
        self.answer_within, self._silent = ANSWER_SECONDS, False
        self._answers: queue.SimpleQueue[tuple[int, msg.Loaded | msg.Unread | Answer | str]] = queue.SimpleQueue()
        self._send_lock = threading.Lock()
        self.told: list[Answer] = []
        self.errors: list[str] = []
        self.failing = failing
        self.on_answer = self.take if node else None

    def take(self, answer: Answer) -> None:
        self.told.append(answer)
        if len(self.told) == 1:
            raise ValueError("no status")

    def report_error(self, error: str) -> None:
        self.errors.append(error)
        if len(self.errors) <= self.failing:
            raise RuntimeError("the report could not be sent")

    def told_until_stopped(self, *said: msg.Loaded | Answer) -> None:
        """Queue ``said``, then the stop, and tell them all on this thread, as the host's thread does."""
        for each in (*said, "stopped"):
            self._answers.put((0, each))
        self._answer()  # returns at the stop


def test_answers_are_told_after_one_whose_telling_fails() -> None:
    first, second = (prepare(sine_take(hz, seconds=0.1), 48000, serial=n) for n, hz in ((1, 220.0), (2, 330.0)))
    telling = Telling(failing=1)
    telling.told_until_stopped(Answer(0, first, "gone"), Answer(1, second, "gone"))  # before: raised at the first
    assert [answer.buffer.serial for answer in telling.told] == [1, 2]
    assert telling.errors == [f"{first.take.name} was not loaded into slot number 1 by the audio process (gone), but "
                              "the sampler could not tell it: ValueError: no status; the take ends not loaded all "
                              "the same"]


def test_slots_are_numbered_from_1_in_what_is_told() -> None:
    take = prepare(sine_take(220.0, seconds=0.1), 48000, serial=1)
    telling = Telling(node=False)
    telling.told_until_stopped(msg.Loaded(0, 7, "no such slot"), Answer(1, take, "its file could not be mapped"))
    assert telling.errors == ["the audio process did not take what was sent to slot number 1: no such slot",
                              "the take for slot number 2 was not loaded: its file could not be mapped"]
