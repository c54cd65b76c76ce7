"""How the sampler's audio process's answers are told: what became of each take sent (loaded, not loaded and why,
a clear not cleared), in the order the process said it, on a thread of its own (``on_answer`` may wait on the node's
locks; the reader must not). A take unanswered in time is told not loaded, once for a silent process. Methods of
:class:`~exsampling_patch.nodes.sampler.host.AudioProcess`, whose ``__init__`` sets what they use."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from exsampling_patch.error_text import error_text
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.answers import Answer, LoadBook, cleared
from exsampling_patch.nodes.sampler.prepare import SlotBuffer

log = logging.getLogger(__name__)


class AnswerTelling:
    """The audio process host's telling of answers (a base of it)."""

    on_answer: Callable[[Answer], None] | None
    report_error: Callable[[str], None]
    book: LoadBook
    buffers: dict[int, SlotBuffer]
    epoch: int
    answer_within: float
    _answers: queue.SimpleQueue[tuple[int, msg.Loaded | msg.Unread | Answer | str]]
    _send_lock: threading.Lock
    _silent: bool

    def _answer(self) -> None:
        """Tell ``on_answer`` what became of each take sent, in the order the process said it (its answers, queued by
        the reader), until the stop; a take unanswered for :attr:`answer_within` s is told not loaded (the process
        hung, or stopped), a clear not cleared, and its answer, if it comes, is told late."""
        failing = ""  # the failure told last, until the telling works again
        while True:
            try:
                epoch, said = self._answers.get(timeout=min(0.25, self.answer_within / 4))
            except queue.Empty:
                epoch, said = self.epoch, "due"
            try:
                self._take(epoch, said)
                failing = ""
            except Exception as error:  # before, the thread ended: no later answer was told, no take kept open ended
                failing = self._failed(failing, error)
            if said == "stopped":
                return

    def _failed(self, failing: str, error: Exception) -> str:
        """Tell that the telling failed with ``error``, unless ``failing`` (the failure told last, '' once it worked
        again) says so already; returns what is told now. Before, a book that kept raising was told at every wake,
        about every 0.25 s for as long as the show ran: log and console flooded with the one line."""
        told = f"the sampler could not tell what its audio process said: {error_text(error)}"
        if told != failing:
            self._report(told)
        return told

    def _take(self, epoch: int, said: msg.Loaded | msg.Unread | Answer | str) -> None:
        """Tell what ``said`` (of process ``epoch``, or "due": the time passed) makes of the takes sent."""
        errors: list[str] = []  # told once _send_lock is released: report_error may take other locks
        with self._send_lock:  # a load() that sent the take has noted it in the book
            if said == "stopped":
                answers = self.book.stopped(self.buffers)
            elif said == "restarted":
                answers = self.book.restarted(epoch, self.buffers)
            elif said == "due":
                answers = []
            elif isinstance(said, Answer):  # a slot not re-sent to a restarted process
                answers = [said]
            elif isinstance(said, msg.Unread):
                answers = [self.book.unread(epoch, said.position, self.buffers)]
            else:
                assert isinstance(said, msg.Loaded)
                if not self.book.knows(said.slot, said.serial) and said.why:  # not sent by load(): none to name
                    errors.append(f"the audio process did not take what was sent to {numbered(said.slot)}: "
                                  f"{said.why}")
                answers = [self.book.answered(epoch, said.slot, said.serial, said.why, self.buffers)]
            if said not in ("due", "stopped"):
                self._silent = False  # it answers (or is a new process)
            late = self.book.overdue(self.answer_within, self.buffers) if said != "stopped" else []
            if late and not self._silent:
                self._silent = True
                errors.append(not_answering(self.answer_within, late))
        for error in errors:
            self._report(error)
        for answer in [*answers, *late]:  # not under _send_lock: on_answer takes the node's lock, held at load()
            if answer is not None:
                self._tell(answer)

    def _tell(self, answer: Answer) -> None:
        if self.on_answer is not None:
            try:
                self.on_answer(answer)
            except Exception as error:  # the next answers are told all the same
                self._report(untaken(answer, error))
        elif answer.why and cleared(answer.buffer):
            self._report(f"{numbered(answer.slot)} was not cleared: {answer.why}")
        elif answer.why:
            self._report(f"the take for {numbered(answer.slot)} was not loaded: {answer.why}")

    def _report(self, error: str) -> None:
        """Tell ``error``; a report that fails is logged, and the answers after it are told all the same."""
        try:
            self.report_error(error)
        except Exception:
            log.exception("the sampler could not tell its error %r", error)


def numbered(slot: int) -> str:
    """A slot as the performer reads it where the host knows no slot names: by its number from 1, as ``Slot<N>``
    and :func:`untaken` count (before, the other errors here counted from 0: "slot 0" for the first)."""
    return f"slot number {slot + 1}"


def untaken(answer: Answer, error: Exception) -> str:
    """The error that tells ``answer`` the sampler could not take (``on_answer`` raised ``error``): what the process
    did, what failed, and how the take ends (``answers.settle`` closes it as the process said, whatever fails). Before,
    "the sampler could not take its audio process's answer: ValueError('...')", a Python repr naming no take. The slot
    by its number (from 1, as ``Slot<N>``): the host knows no slot names."""
    slot = numbered(answer.slot)
    failed = f"but the sampler could not tell it: {error_text(error)}"
    after_all = " after all" if answer.late else ""
    why = f" ({answer.why})" if answer.why else ""
    if cleared(answer.buffer):
        done = "not cleared" if answer.why else "cleared"
        return f"{slot} was {done} by the audio process{after_all}{why}, {failed}"
    name = answer.buffer.take.name if answer.buffer.take is not None else "a take"
    done = "not loaded" if answer.why else "loaded"
    told = f"{name} was {done} into {slot} by the audio process{after_all}{why}, {failed}"
    # one loaded after all ended not loaded when it was told so, for want of an answer
    return told if answer.late else f"{told}; the take ends {done} all the same"


def not_answering(within: float, late: list[Answer]) -> str:
    """The error that tells the audio process silent, ``late`` unanswered for ``within`` s: takes, clears, or both
    (a clear is no take: before, one alone was told as 'the takes sent to it', 'loaded after all')."""
    clears = [cleared(answer.buffer) for answer in late]
    if all(clears):
        sent, each = "the clears", "each is told not cleared, and cleared after all"
    elif any(clears):
        sent = "the takes and clears"
        each = "each take is told not loaded and each clear not cleared, and loaded or cleared after all"
    else:
        sent, each = "the takes", "each is told not loaded, and loaded after all"
    return (f"the sampler's audio process is not answering: no word within {within:g} s on {sent} sent to it (hung, "
            f"or stopped); {each} if it answers later")
