"""Repeats of one error on the stage console.

A node that fails the same way on every message (a plugin's bug met by each take, a device gone and polled) printed
a line each time: a thousand lines for a thousand messages, and the performer lost every other line among them.
The first is told in full; the repeats that follow are counted and told as one line ("the same error 12 more
times") at most once every :data:`REPEAT_EVERY` seconds, and at the stop. A different error is always told in full
(the last one's count first), and so is a lone repeat after a quiet spell.

Only the console's lines are thinned: the engine publishes each error, as its recovery rule, the editor's count and
the show log need (:mod:`exsampling_patch.runtime.recovery`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from exsampling_patch.runtime import NodeError

#: Seconds between two lines telling how often a node's error came again.
REPEAT_EVERY = 1.0


def clock_text(at: float) -> str:
    """The wall clock (HH:MM:SS) of the ``time.monotonic()`` instant ``at``."""
    return time.strftime("%H:%M:%S", time.localtime(time.time() - (time.monotonic() - at)))


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
    #: Repeats since that line, not told yet, and when the latest came.
    pending: int = 0
    latest: float = 0.0


class RepeatedErrors:
    """The lines a run's errors make on the console. Not thread-safe: the console calls it under its lock."""

    def __init__(self, every: float = REPEAT_EVERY) -> None:
        self.every = every
        self._told: dict[str, _Told] = {}

    def lines(self, event: NodeError) -> list[str]:
        """The lines to say now for ``event``: none for a repeat counted for later."""
        key = (event.error, event.where, event.during)
        told = self._told.get(event.node_id)
        if told is not None and told.key == key:
            if told.pending or event.time - told.said_at < self.every:
                told.pending += 1
                told.latest = max(told.latest, event.time)
                due = event.time - told.said_at >= self.every
                return [self._count(event.node_id, told, event.time)] if due else []
            told.said_at = event.time  # none since the last line, long ago: the whole of it says more
            return [error_line(event)]
        said = [self._count(event.node_id, told, event.time)] if told is not None and told.pending else []
        self._told[event.node_id] = _Told(key, event.time)
        return [*said, error_line(event)]

    def due(self, now: float) -> list[str]:
        """The counts whose line is due at ``now`` (``time.monotonic()``)."""
        return [self._count(node_id, told, now) for node_id, told in self._told.items()
                if told.pending and now - told.said_at >= self.every]

    def next_due(self) -> float | None:
        """When the next count's line is due (``time.monotonic()``); None while none waits."""
        return min((told.said_at + self.every for told in self._told.values() if told.pending), default=None)

    def flush(self, now: float) -> list[str]:
        """Every count not told yet (the run stops)."""
        return [self._count(node_id, told, now) for node_id, told in self._told.items() if told.pending]

    @staticmethod
    def _count(node_id: str, told: _Told, now: float) -> str:
        count, told.pending, told.said_at = told.pending, 0, now
        return (f"{clock_text(told.latest)} error in node '{node_id}': the same error {count} more "
                f"time{'s' if count != 1 else ''}")
