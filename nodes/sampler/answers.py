"""What became of each take the node sent its audio process (:class:`.host.AudioProcess`): the process answers
each Load and LoadStaged (:class:`.protocol.Loaded`: in its slot, or not and why), a damaged one
:class:`.protocol.Unread`; one it never answered (it ended first, or the sampler stopped) is not loaded either.

Why: the node told a take loaded, and showed it in its slot, as soon as it was sent. One the process could not take
(its file not received: the process out of descriptors; not mapped) left the slot playing the take before it, while
the take's end said "slot HH", the slot showed it, and the console said "the take for slot 1 could not be loaded",
naming no take. Now the node keeps the take open until the answer (:meth:`~exsampling_patch.node.Node.keep_open`),
and one not loaded ends "slot HH, not loaded into sampler ...: why", the slot showing what it plays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from exsampling_patch.nodes.sampler.prepare import EMPTY, SlotBuffer
from exsampling_patch.nodes.sampler.slots import SlotRecord

ENDED_FIRST = "the audio process ended before it took it"
STOPPED_FIRST = "the sampler stopped before its audio process took it"


class Answer(NamedTuple):
    """What became of ``buffer``, sent to ``slot``: loaded (``why`` ""), or not, and ``sounding``: what the slot
    plays instead (None: nothing)."""

    slot: int
    buffer: SlotBuffer
    why: str = ""
    sounding: SlotBuffer | None = None


@dataclass
class _Asked:
    buffer: SlotBuffer
    epoch: int  # the process it was sent to
    position: int  # the number of its message there (msg.Unread names it so)


class LoadBook:
    """The takes sent and not answered yet, and what each slot of the process holds (as it said). Not thread-safe:
    its owner holds its send lock around each call (the answers it gets come in the order the process sent them)."""

    def __init__(self) -> None:
        self._asked: dict[tuple[int, int], _Asked] = {}  # (slot, serial) -> the take sent there
        self._holding: dict[int, SlotBuffer] = {}  # slot -> what the latest process said it put there

    def asked(self, slot: int, buffer: SlotBuffer, epoch: int, position: int) -> None:
        """``buffer`` was sent to ``slot`` of process ``epoch`` as its message ``position`` (again, at a restart)."""
        self._asked[(slot, buffer.serial)] = _Asked(buffer, epoch, position)

    def knows(self, slot: int, serial: int) -> bool:
        """Whether take ``serial`` was sent to ``slot`` and not answered yet."""
        return (slot, serial) in self._asked

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
            return Answer(slot, asked.buffer)
        return self._not_loaded(slot, asked.buffer, why, buffers)

    def unread(self, epoch: int, position: int, buffers: dict[int, SlotBuffer]) -> Answer | None:
        """Process ``epoch`` could not read its message ``position``: a take's, if any, is not loaded."""
        for (slot, serial), asked in self._asked.items():
            if asked.epoch == epoch and asked.position == position:
                del self._asked[(slot, serial)]
                return self._not_loaded(slot, asked.buffer, "its message could not be read by the audio process",
                                        buffers)
        return None

    def restarted(self, epoch: int, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        """Process ``epoch`` has started, sent every slot's take again: those sent before to another and not again
        are not loaded (it ended first), and it holds nothing but what it is sent."""
        self._holding.clear()
        lost = [(key, asked) for key, asked in self._asked.items() if asked.epoch != epoch]
        for key, _ in lost:
            del self._asked[key]
        return [self._not_loaded(slot, asked.buffer, ENDED_FIRST, buffers) for (slot, _), asked in lost]

    def stopped(self, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        """The sampler has stopped: the takes not answered are not loaded."""
        left = [self._not_loaded(slot, asked.buffer, STOPPED_FIRST, buffers)
                for (slot, _), asked in self._asked.items()]
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
