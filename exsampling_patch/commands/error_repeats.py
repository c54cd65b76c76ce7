"""Repeats of one error on the stage console.

A node that fails the same way on every message (a plugin's bug met by each take, a device gone and polled) printed
a line each time: a thousand lines for a thousand messages, and the performer lost every other line among them.
The first is told in full; the repeats that follow are counted and told as one line ("the same error 12 more
times") at most once every :data:`REPEAT_EVERY` seconds at first, that wait doubling with each count line while the
error goes on (up to :data:`LONGEST_EVERY`), and at the stop. A different error is always told in full (the last
one's count first), and so is a repeat after :data:`QUIET_SPELL` without one.

Why the growing wait and the long spell: an error that comes back once a second or slower (a source retried every
second, its folder gone; a plugin failing on each take as the phones send them) was each time "a repeat after a quiet
spell", told in full: a line a second, for as long as the show ran, as many as the flood this module was for.

The stop thins them further (:meth:`RepeatedErrors.stop_began`): a Ctrl+C in a burst left takes on their way, and
the sampler, stopped under them, failed each with an error of its own ("take ... not loaded into slot Bass: the
sampler has stopped", then Snare's, ...): a dozen lines, each a new error, between "stopping" and the summary, where
the summary counts those takes as passed on at the next start. From the stop on, a node's first error is told in full
and the rest that name a take, or say what one told already (:func:`gist`), are counted, told as one line before the
summary; a different error of the node is told in full (so is the node's stop() failing): counted, its text was left
to the show log alone.

Errors on takes are thinned as one: a sampler whose audio process stopped answering in a burst failed each take with
an error of its own ("Bo-... not loaded into slot Piano: the audio process did not answer within 3 s", then Wind's,
Bass's ...), each a new error, each line followed by its take's, which said the same ("-> Piano, not loaded into
sampler 'sampler': the audio process did not answer within 3 s"): two lines a take. An error that names a take on its
way (``on_take``: the console knows which are) is told in full the first time; the node's next ones on takes, whatever
they say, are counted as repeats ("4 more errors on takes, each said on its take's line"), each once its take's line
has told it (:meth:`RepeatedErrors.said_on_line`): counted before, one whose line the stop then cut off was told
again at the flush, and the count line's words were no longer true of it.

Only the console's lines are thinned: the engine publishes each error, as its recovery rule, the editor's count and
the show log need (:mod:`exsampling_patch.runtime.recovery`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from exsampling_patch.runtime import NodeError
from exsampling_patch.wording import clock_text as clock_text
from exsampling_patch.wording import counted

#: Seconds between the first error's line and the first line telling how often it came again.
REPEAT_EVERY = 1.0
#: The longest wait between two count lines of one error that goes on (the wait doubles from REPEAT_EVERY).
LONGEST_EVERY = 60.0
#: Seconds without the error after which it is new again: told in full, and counted afresh.
QUIET_SPELL = 30.0
#: The key's text for every error on a take of one node: all alike to the count, whatever each says.
ON_TAKES = "\0on takes"


def gist(error: str) -> str:
    """What an error says, without what it was about: the words after its last ": " ("the sampler has stopped" of
    "take-01 not loaded into slot BD: the sampler has stopped"), or the whole where it has none."""
    return error.rsplit(": ", 1)[-1]


def error_line(event: NodeError) -> str:
    """The console's line telling ``event`` in full."""
    where = f" (at {event.where})" if event.where else ""
    during = f" in {event.during}()" if event.during else ""
    return f"{clock_text(event.time)} error in node '{event.node_id}'{during}: {event.error}{where}"


@dataclass
class _Told:
    """The error a node last had told in full, and its repeats since."""

    #: What its line tells: the error, where and during what (the same line again is the same error).
    key: tuple[str, str, str]
    #: When the last line about it was said (``time.monotonic()``).
    said_at: float
    #: Repeats since that line, not told yet, and when the latest came (or the error itself, before any).
    pending: int = 0
    latest: float = 0.0
    #: Seconds from that line until the next count line may come (doubled by each count line).
    every: float = REPEAT_EVERY
    #: The repeats in ``pending`` that are errors on takes whose take's line has not told them yet: no count line
    #: says them "each said on its take's line" until it has; one whose line never comes is told at the flush.
    waiting: set[NodeError] = field(default_factory=set)

    def countable(self) -> int:
        """The repeats a count line may tell now."""
        return self.pending - len(self.waiting)


class RepeatedErrors:
    """The lines a run's errors make on the console. Not thread-safe: the console calls it under its lock."""

    def __init__(self, every: float = REPEAT_EVERY, longest: float = LONGEST_EVERY,
                 quiet: float = QUIET_SPELL) -> None:
        self.every, self.longest, self.quiet = every, longest, quiet
        self._told: dict[str, _Told] = {}
        #: From the stop on (None before): node -> its errors since its first of the stop, and when the latest came.
        self._stopping: dict[str, tuple[int, float]] | None = None
        #: node -> the gists of its errors told in full since the stop began
        self._stop_told: dict[str, set[str]] = {}

    def stop_began(self) -> None:
        """The run is stopping: from now on each node's errors after its first are counted (:meth:`flush` tells
        them)."""
        if self._stopping is None:
            self._stopping = {}

    def lines(self, event: NodeError, on_take: bool = False, names_take: bool = False) -> list[str]:
        """The lines to say now for ``event``: none for a repeat counted for later. ``on_take``: the error names a
        take whose own line tells its end (the node's errors on takes count as one error); ``names_take``: it names a
        take on its way, whose line the stop may cut off (thinned from the stop on)."""
        # A node's own stop() (or another call of the runtime's) failing is no take's: always told.
        if self._stopping is not None and not event.during:
            told_gists = self._stop_told.setdefault(event.node_id, set())
            if event.node_id in self._stopping and (names_take or on_take or gist(event.error) in told_gists):
                count, latest = self._stopping[event.node_id]
                self._stopping[event.node_id] = (count + 1, max(latest, event.time))
                return []
            self._stopping.setdefault(event.node_id, (0, event.time))
            told_gists.add(gist(event.error))
        key = (ON_TAKES if on_take else event.error, event.where, event.during)
        told = self._told.get(event.node_id)
        if told is not None and told.key == key and (told.pending or event.time - told.latest < self.quiet):
            told.pending += 1
            told.latest = max(told.latest, event.time)
            if on_take:
                told.waiting.add(event)
            due = told.countable() and event.time - told.said_at >= told.every
            return [self._count(event.node_id, told, event.time)] if due else []
        # Another error (the last one's count first), or this one after none for a long while: the whole of it says
        # more, and its count starts afresh (nothing pending: a pending count keeps the spell from being quiet). The
        # errors on takes still waiting for their lines are left to those lines, or to the flush.
        said = [self._count(event.node_id, told, event.time)] if told is not None and told.countable() else []
        self._told[event.node_id] = _Told(key, event.time, latest=event.time, every=self.every)
        return [*said, error_line(event)]

    def due(self, now: float) -> list[str]:
        """The counts whose line is due at ``now`` (``time.monotonic()``)."""
        return [self._count(node_id, told, now) for node_id, told in self._told.items()
                if told.countable() and now - told.said_at >= told.every]

    def next_due(self) -> float | None:
        """When the next count's line is due (``time.monotonic()``); None while none waits."""
        return min((told.said_at + told.every for told in self._told.values() if told.countable()), default=None)

    def said_on_line(self, events: Iterable[NodeError]) -> None:
        """``events``, errors on takes counted as repeats, have been told on their take's line: a count line may
        tell them now."""
        for event in events:
            told = self._told.get(event.node_id)
            if told is not None:
                told.waiting.discard(event)

    def let_go(self, events: Iterable[NodeError]) -> None:
        """``events``, errors on takes counted as repeats, are told in full now (the console stopped waiting for their
        take's line): no count line tells them."""
        for event in events:
            told = self._told.get(event.node_id)
            if told is not None and event in told.waiting:
                told.waiting.discard(event)
                told.pending -= 1

    def ended(self, node_id: str, now: float, only: Iterable[str] | None = None) -> list[str]:
        """``node_id`` is out of its error (its device or port opened again): the count of its repeats not told yet,
        and nothing kept of it. Kept, the same error after the recovery (the JACK server gone again a few seconds
        later) was a repeat: counted, "the same error 1 more time", where the performer must read it anew. ``only``:
        the texts of the errors that ended, another still standing; the one last told is forgotten if among them."""
        told = self._told.get(node_id)
        if told is None or (only is not None and told.key[0] not in set(only)):
            return []
        del self._told[node_id]
        return [self._count(node_id, told, now)] if told is not None and told.countable() else []

    def flush(self, now: float, cut_off: Iterable[NodeError] = ()) -> list[str]:
        """Every count not told yet (the run stops). ``cut_off``: errors on takes left for their take's line, which
        the stop cut off: told as the stop's (the node's first in full, the rest counted), and not counted as "each
        said on its take's line"."""
        left: dict[str, list[NodeError]] = {}
        for event in sorted(cut_off, key=lambda event: event.time):
            left.setdefault(event.node_id, []).append(event)
        for node_id, told in self._told.items():
            if told.key[0] == ON_TAKES:
                told.pending -= sum(event in told.waiting for event in left.get(node_id, ()))
            told.waiting.clear()  # the rest were told on their lines: the run has stopped, no line is on its way
        lines = [self._count(node_id, told, now) for node_id, told in self._told.items() if told.pending]
        stopping = self._stopping or {}
        for node_id, (count, latest) in stopping.items():
            if count:
                lines.append(f"{clock_text(latest)} error in node '{node_id}': {counted(count, 'more error')} as "
                             "the run stopped")
                stopping[node_id] = (0, latest)  # told: not again at a second flush
        for node_id, events in left.items():
            lines.append(error_line(events[0]))
            if len(events) > 1:
                lines.append(f"{clock_text(events[-1].time)} error in node '{node_id}': "
                             f"{counted(len(events) - 1, 'more error')} on takes whose lines the stop cut off")
        return lines

    def _count(self, node_id: str, told: _Told, now: float) -> str:
        count, told.pending, told.said_at = told.countable(), len(told.waiting), now
        told.every = min(told.every * 2, max(self.longest, self.every))
        what = (f"{counted(count, 'more error')} on takes, each said on its take's line" if told.key[0] == ON_TAKES
                else f"the same error {counted(count, 'more time')}")
        return f"{clock_text(told.latest)} error in node '{node_id}': {what}"
