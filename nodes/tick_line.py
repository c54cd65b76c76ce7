"""The straight line through a MIDI clock master's last ticks: its tempo, and where its next ticks fall.

Pure arithmetic on tick arrival times (seconds), no ports and no clock of its own: :mod:`nodes.midi_follow` feeds it
the ticks a master sends, :func:`predict` the ticks of a simulation. A tick arrives up to a JACK period (10.7 ms at
512 frames) off its time, so the line goes through the last two beats of ticks to smooth that out.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

TICKS_PER_BEAT = 24
FIT_TICKS = 48  # two beats of ticks make the line
MIN_FIT = 6  # fewer ticks than this since a start or a gap: the tempo stays the last one known


class TickLine:
    """The line through the ticks :meth:`add` was given since :meth:`clear` (a gap in them)."""

    def __init__(self) -> None:
        self._ticks: deque[float] = deque(maxlen=FIT_TICKS)
        self.count = 0  # ticks in a row since the last clear

    @property
    def last(self) -> float:
        """When the last tick arrived (-inf: none since the clear)."""
        return self._ticks[-1] if self._ticks else -math.inf

    def clear(self) -> None:
        """A gap in the ticks: the line starts again from the next one."""
        self._ticks.clear()
        self.count = 0

    def add(self, at: float) -> None:
        """The next tick, arrived at ``at``."""
        self._ticks.append(at)
        self.count += 1

    def fit(self, tempo: float) -> tuple[float, float]:
        """(tempo, the line's time at the last tick): least squares through the ticks, one tick apart each; with too
        few ticks for a line, ``tempo`` (the last known) through them."""
        n = len(self._ticks)
        mean_i = (n - 1) / 2.0
        mean_t = sum(self._ticks) / n
        spread = sum((i - mean_i) ** 2 for i in range(n))
        if n < MIN_FIT or spread <= 0:
            seconds = 60.0 / tempo / TICKS_PER_BEAT
            return tempo, mean_t + seconds * (n - 1 - mean_i)
        seconds = sum((i - mean_i) * (t - mean_t) for i, t in enumerate(self._ticks)) / spread
        tempo = min(999.0, max(20.0, 60.0 / TICKS_PER_BEAT / max(seconds, 1e-6)))
        return tempo, mean_t + seconds * (n - 1 - mean_i)


def predict(ticks: Iterable[float], ahead: int, tempo: float) -> list[float]:
    """Where each tick's line puts the tick ``ahead`` ticks after it, for ticks arriving at the times given (seconds,
    in a row, none missing; ``tempo`` known before them), as the follower reads them."""
    line = TickLine()
    out = []
    for at in ticks:
        line.add(at)
        fitted, last = line.fit(tempo)
        if line.count >= MIN_FIT:  # as the follower takes it: fewer ticks make no tempo
            tempo = fitted
        out.append(last + ahead * 60.0 / tempo / TICKS_PER_BEAT)
    return out
