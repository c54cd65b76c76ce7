"""What became of each take the node sent its audio process (:class:`.host.AudioProcess`): the process answers
each Load and LoadStaged (:class:`.protocol.Loaded`: in its slot, or not and why), a damaged one
:class:`.protocol.Unread`; one it never answered (it ended first, or the sampler stopped) is not loaded either.

Why: the node told a take loaded, and showed it in its slot, as soon as it was sent. One the process could not take
(its file not received: the process out of descriptors; not mapped) left the slot playing the take before it, while
the take's end said "slot HH", the slot showed it, and the console said "the take for slot 1 could not be loaded",
naming no take. Now the node keeps the take open until the answer (:meth:`~exsampling_patch.node.Node.keep_open`),
and one not loaded ends "slot HH, not loaded into sampler ...: why", the slot showing what it plays. The slot's
status and ``loaded`` go once the process has it (:func:`settle`). One unanswered for :data:`ANSWER_SECONDS` (the
process hung, or stopped) ends not loaded too, and is told "loaded after all" should its answer come later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

from exsampling_patch.error_text import error_text
from exsampling_patch.nodes.sampler.input_errors import tell_on_input
from exsampling_patch.nodes.sampler.prepare import EMPTY, SlotBuffer
from exsampling_patch.nodes.sampler.slots import SlotRecord

ENDED_FIRST = "the audio process ended before it took it"
STOPPED_FIRST = "the sampler stopped before its audio process took it"
ANSWER_SECONDS = 3.0
"""A take the audio process has not answered by then is told not loaded (the process hung, or stopped: SIGSTOP);
its answer, should it come later, is told "loaded after all"."""


def not_answered(within: float) -> str:
    return f"the audio process did not answer within {within:g} s"


class Answer(NamedTuple):
    """What became of ``buffer``, sent to ``slot``: loaded (``why`` ""), or not, and ``sounding``: what the slot
    plays instead (None: nothing). ``late``: loaded after all, this many seconds after it was sent, though told not
    loaded for want of an answer (:data:`ANSWER_SECONDS`)."""

    slot: int
    buffer: SlotBuffer
    why: str = ""
    sounding: SlotBuffer | None = None
    late: float = 0.0


@dataclass
class Sent:
    """The node's side of a take sent and not answered yet: its assignment (None: a roll-back), whether it is kept
    open for the answer, whether the assignment added it to the slot's history, and the status that names it in its
    slot (reported once the process has it)."""

    assignment: Any
    kept: bool
    pushed: bool
    status: dict[str, Any]


@dataclass
class _Asked:
    buffer: SlotBuffer
    epoch: int  # the process it was sent to
    position: int  # the number of its message there (msg.Unread names it so)
    sent_at: float = 0.0  # time.monotonic()
    told: bool = False  # told not loaded, unanswered in time: its answer, if any, is late


class LoadBook:
    """The takes sent and not answered yet, and what each slot of the process holds (as it said). Not thread-safe:
    its owner holds its send lock around each call (the answers it gets come in the order the process sent them)."""

    def __init__(self) -> None:
        self._asked: dict[tuple[int, int], _Asked] = {}  # (slot, serial) -> the take sent there
        self._holding: dict[int, SlotBuffer] = {}  # slot -> what the latest process said it put there

    def asked(self, slot: int, buffer: SlotBuffer, epoch: int, position: int) -> None:
        """``buffer`` was sent to ``slot`` of process ``epoch`` as its message ``position`` (again, at a restart)."""
        self._asked[(slot, buffer.serial)] = _Asked(buffer, epoch, position, time.monotonic())

    def knows(self, slot: int, serial: int) -> bool:
        """Whether take ``serial`` was sent to ``slot`` and not answered yet."""
        return (slot, serial) in self._asked

    def forget(self, slot: int, serial: int) -> None:
        """Take ``serial`` in ``slot`` is told by its sender, whatever its process says of it."""
        self._asked.pop((slot, serial), None)

    def answered(self, epoch: int, slot: int, serial: int, why: str, buffers: dict[int, SlotBuffer]) -> Answer | None:
        """Process ``epoch`` said what became of take ``serial`` in ``slot``; a take it did not get leaves ``buffers``
        (those a restarted process is sent) as the process holds them. None for an answer of a process that the take
        was sent again after (that one's answer says)."""
        asked = self._asked.get((slot, serial))
        if asked is None or asked.epoch != epoch:
            return None
        del self._asked[(slot, serial)]
        if not why:
            self._holding[slot] = asked.buffer
            if not asked.told:
                return Answer(slot, asked.buffer)
            if (held := buffers.get(slot)) is None or held.serial < serial:  # put back when told; for a restart
                buffers[slot] = asked.buffer
            return Answer(slot, asked.buffer, late=max(time.monotonic() - asked.sent_at, 1e-6))
        return None if asked.told else self._not_loaded(slot, asked.buffer, why, buffers)

    def overdue(self, within: float, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        """The takes sent ``within`` seconds ago or more and not answered, each once: not loaded (their answer, if it
        comes, is late)."""
        now = time.monotonic()
        late = [(slot, asked) for (slot, _), asked in self._asked.items()
                if not asked.told and now - asked.sent_at >= within]
        for _, asked in late:
            asked.told = True
        return [self._not_loaded(slot, asked.buffer, not_answered(within), buffers) for slot, asked in late]

    def unread(self, epoch: int, position: int, buffers: dict[int, SlotBuffer]) -> Answer | None:
        """Process ``epoch`` could not read its message ``position``: a take's, if any, is not loaded."""
        for (slot, serial), asked in self._asked.items():
            if asked.epoch == epoch and asked.position == position:
                del self._asked[(slot, serial)]
                why = "its message could not be read by the audio process"
                return None if asked.told else self._not_loaded(slot, asked.buffer, why, buffers)
        return None

    def restarted(self, epoch: int, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        """Process ``epoch`` has started, sent every slot's take again: those sent before to another and not again
        are not loaded (it ended first), and it holds nothing but what it is sent."""
        self._holding.clear()
        lost = [(key, asked) for key, asked in self._asked.items() if asked.epoch != epoch]
        for key, _ in lost:
            del self._asked[key]
        return [self._not_loaded(slot, asked.buffer, ENDED_FIRST, buffers) for (slot, _), asked in lost
                if not asked.told]

    def stopped(self, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        """The sampler has stopped: the takes not answered are not loaded."""
        left = [self._not_loaded(slot, asked.buffer, STOPPED_FIRST, buffers)
                for (slot, _), asked in self._asked.items() if not asked.told]
        self._asked.clear()
        return left

    def _not_loaded(self, slot: int, buffer: SlotBuffer, why: str, buffers: dict[int, SlotBuffer]) -> Answer:
        sounding = self._holding.get(slot)
        if (held := buffers.get(slot)) is not None and held.serial == buffer.serial:  # the latest sent: not there
            if sounding is None:
                del buffers[slot]
            else:
                buffers[slot] = sounding
        return Answer(slot, buffer, why, sounding)


def cleared(buffer: SlotBuffer) -> bool:
    """Whether ``buffer`` empties its slot (``Sampler.clear``) rather than loads a take."""
    return buffer.take is None and buffer.frames == 0


def put_back(record: SlotRecord, buffers: list[SlotBuffer], index: int, answer: Answer, pushed: bool) -> bool:
    """The node's slot ``index`` as its audio process holds it, ``answer``'s take not loaded: shown (``buffers``) if
    it still is, and its history's position on the take the slot plays; ``pushed``: the take was added to the history
    by its assignment, and leaves it. Whether the slot showed the take."""
    shown = buffers[index].serial == answer.buffer.serial
    current = record.current
    if shown:
        buffers[index] = answer.sounding or EMPTY
        keep = answer.sounding.take if answer.sounding is not None else None
    else:
        keep = current[0] if current is not None else None
    if pushed:
        for at in range(len(record.history) - 1, -1, -1):
            if record.history[at][0] is answer.buffer.take:
                del record.history[at]
                break
    record.position = next((at for at in range(len(record.history) - 1, -1, -1)
                            if keep is not None and record.history[at][0] is keep), -1)
    return shown


def settle(node: Any, answer: Answer) -> None:
    """What ``node`` (the :class:`~exsampling_patch.nodes.sampler.Sampler`) does with its audio process's word on a
    take it sent (on its host's thread). Loaded: the status that names it in its slot, ``loaded`` emitted (before, both
    went at once, so a take the process refused was still printed "loaded", named in the slot's status, and written
    to the show log as a load a replay played). Not loaded: the slot shows what it plays (its status says so),
    the console names the take, and it ends "not loaded into sampler ...: why". A clear (:func:`cleared`) is told
    "not cleared", and "cleared after all"."""
    untold = ""  # why the status of a take the process loaded could not be told
    sent: Sent | None = None
    why = f"not loaded into sampler '{node.node_id}': {answer.why}" if answer.why else ""
    try:
        with node._records_lock:
            sent = node._asked.pop(answer.buffer.serial, None)
            record = node.records[answer.slot]
            if answer.late:  # told not loaded, unanswered in time: its end was told then
                _loaded_after_all(node, record, answer)
                return
            if answer.why:
                shown = put_back(record, node.buffers, answer.slot, answer, sent is not None and sent.pushed)
                take, sounding = (b.take.name if b is not None and b.take is not None else None
                                  for b in (answer.buffer, answer.sounding))
                instead = f"the slot plays {sounding or 'nothing'}" if shown else "a later take was sent there"
                if cleared(answer.buffer):  # before, told "a take not loaded"
                    node.report_error(f"slot {record.name} not cleared: {answer.why}; {instead}")
                    node.report_status(slot=record.name)
                else:
                    node.report_error(f"{take or 'a take'} not loaded into slot {record.name}: {answer.why}; "
                                      f"{instead}")
                    if shown:  # what the slot plays, the take skipped (not a load: the show log writes none for it)
                        plays = answer.sounding or EMPTY
                        node.report_status(slot=record.name, take=plays.take_id, label=plays.label or "",
                                           skipped=answer.buffer.take_id, not_loaded=answer.why)
            elif sent is not None:
                try:
                    node.report_status(**sent.status)
                except Exception as error:  # the sound is in the slot: it ends loaded, as in-process (LoadedUntold)
                    name = answer.buffer.take.name if answer.buffer.take is not None else "a take"
                    untold = f"{name} loaded into slot {record.name}, but its status could not be told: " \
                             f"{error_text(error)}"
        if sent is None or sent.assignment is None:
            if untold:  # a roll-back's: no take of its own to tell it on
                node.report_error(untold)
            return
        if untold:
            tell_on_input(node, untold)  # as in-process: told as the node's own, it stood till its device opened
        if not why:
            node.emit("loaded", sent.assignment)
        elif not sent.kept:
            node.tell_fate(sent.assignment, "not_loaded", why)
    finally:
        # Whatever failed (told by the host, .answer_telling.untaken), a take kept open ends as the process said:
        # before, a failure ahead of the close left it open, never ended (its source never wrote it down as done).
        if sent is not None and sent.assignment is not None and sent.kept and not answer.late:
            node.close_take(sent.assignment, why)


def _loaded_after_all(node: Any, record: SlotRecord, answer: Answer) -> None:
    """A take told not loaded (no answer in time) that the process loaded after all: shown in its slot again where
    no later take was sent there, and told."""
    buffer = answer.buffer
    status: dict[str, Any] = {}
    newest = node.buffers[answer.slot].serial < buffer.serial  # nothing sent to the slot since
    if cleared(buffer):
        if newest:
            node.buffers[answer.slot] = buffer
            record.position = -1
            status = {"slot": record.name}
        node.report_status(**status, warning=f"slot {record.name} was cleared after all, {answer.late:.1f} s after "
                                             "it was sent (told not cleared)")
        return
    if newest and buffer.take is not None:
        node.buffers[answer.slot] = buffer
        at = [index for index, (take, _) in enumerate(record.history) if take is buffer.take]
        if at:  # a roll-back's: still in the history
            record.position = at[-1]
        else:
            record.push(buffer.take, buffer.label, node.history)
        status = {"slot": record.name, "take": buffer.take_id, "label": buffer.label or ""}
    name = buffer.take.name if buffer.take is not None else "a take"
    if buffer.take is not None:  # the take's id, as its end named it: the run's summary counts it loaded after all
        status["loaded_after_all"] = buffer.take_id
    node.report_status(**status, warning=f"{name} was loaded into slot {record.name} after all, {answer.late:.1f} s "
                                         "after it was sent (its end said not loaded)")
