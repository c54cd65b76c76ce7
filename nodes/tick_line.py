"""The straight line through a MIDI clock master's last ticks: its tempo, and where its next ticks fall.

Pure arithmetic on tick arrival times (seconds), no ports and no clock of its own: :mod:`nodes.midi_follow` feeds it
the ticks a master sends, :func:`predict` the ticks of a simulation.

A tick arrives up to a JACK period (10.7 ms at 512 frames) off its time, so the line goes through the last two beats
of ticks to smooth that out. After the master changes tempo, though, a line through two beats lags the new ticks
until the old ones have left it: 188 ms off three ticks ahead at worst after 120 -> 60 BPM, 14 ms after 120 -> 130.
So each tick also asks whether the master changed tempo: the last :data:`CHANGE_TICKS` ticks, against the line of
the ones before, off by more than that line's own jitter allows (its residual spread, measured, so a master heard
through two JACK periods is not taken for one that changed), bending away from it rather than stepping (a tick
arriving a period later or earlier, as JACK's periods and the master's ticks drift past each other, moves the ticks
after it as much: a step; so do ticks delivered together, by a period holding two or a stall of the workers, and
stamped in turn), and further than the worst tick the line held. Then the line starts again from the tick
a bent line fits the ticks best at, with the ticks since. The ticks a stall let go together, late by the stall,
count neither in that spread nor as the worst tick, nor in the line the tempo is read from.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np

TICKS_PER_BEAT = 24
FIT_TICKS = 48  # two beats of ticks make the line
MIN_FIT = 6  # fewer ticks than this since a start or a gap: the tempo stays the last one known
CHANGE_TICKS = 6  # the ticks held against the line before them for a tempo change
HELD_TICKS = 24  # a line of fewer ticks (a beat) has not seen the ticks' jitter yet: no change looked for
CHANGE_SPREADS = 5.0  # how many spreads of their mean with no change the last ticks are off for a change
BENT_TICKS = 3  # a change's ticks needed to tell its bend from a step, and to draw its line
SPLIT_TICKS = 24  # how far back a change can have begun
SPREAD_FLOOR = 0.0005  # seconds: a master's ticks as exact as a computer's still differ by this much
RELEASED_SILENCE = 2.5  # ticks' time: a silence longer than this before ticks together is a stall's
WORST_KEPT = 0.995  # what the worst tick a line held leaves of itself to the next tick's (halved in six beats)


def _line(ticks: Sequence[float]) -> tuple[float, float, float]:
    """(the line's time at tick 0, its seconds a tick, the spread of the ticks about it) of two ticks or more."""
    n = len(ticks)
    mean_i = (n - 1) / 2.0
    mean_t = sum(ticks) / n
    spread = _index_spread(n)
    seconds = sum((i - mean_i) * (t - mean_t) for i, t in enumerate(ticks)) / spread
    base = mean_t - seconds * mean_i
    rms = math.sqrt(sum((t - base - seconds * i) ** 2 for i, t in enumerate(ticks)) / max(1, n - 2))
    return base, seconds, rms


def _fit_cost(times: np.ndarray, column: np.ndarray, kept: np.ndarray | None = None) -> float:
    """The squared error of the least-squares line through ``times`` (one a tick) with ``column`` beside it: a bend
    (zero up to a tick, then rising) or a step (zero, then one) at that tick; through the ``kept`` ticks only."""
    n = len(times)
    x = np.stack([np.ones(n), np.arange(n, dtype=float), column], axis=1)
    if kept is not None:
        x, times = x[kept], times[kept]
    return float(np.sum((x @ np.linalg.lstsq(x, times, rcond=None)[0] - times) ** 2))


def _index_spread(n: int) -> float:
    mean_i = (n - 1) / 2.0
    return sum((i - mean_i) ** 2 for i in range(n))


class TickLine:
    """The line through the ticks :meth:`add` was given since :meth:`clear` (a gap in them), from a tempo change on."""

    def __init__(self) -> None:
        self._ticks: deque[float] = deque(maxlen=FIT_TICKS)
        self.count = 0  # ticks in a row since the last clear (those before a tempo change too)
        self.changes = 0  # tempo changes found so far
        self._least = MIN_FIT  # ticks the line needs: fewer just after a change, found on fewer
        self._worst = 0.0  # the worst tick off the line lately (seconds): a change's ticks go further
        self._stall_ticks: set[float] = set()  # the arrival times of the ticks in the line a stall let go together

    @property
    def last(self) -> float:
        """When the last tick arrived (-inf: none since the clear)."""
        return self._ticks[-1] if self._ticks else -math.inf

    @property
    def fitted(self) -> int:
        """How many ticks :meth:`fit` reads its tempo from (0: too few for a line, the tempo given)."""
        return len(self._ticks) if len(self._ticks) >= self._least else 0

    def copy(self) -> TickLine:
        """A line of the same ticks that goes on apart from this one."""
        other = TickLine()
        other.__dict__.update(self.__dict__)
        other._ticks = deque(self._ticks, maxlen=FIT_TICKS)
        other._stall_ticks = set(self._stall_ticks)
        return other

    def clear(self) -> None:
        """A gap in the ticks: the line starts again from the next one."""
        self._ticks.clear()
        self.count = 0
        self._least = MIN_FIT
        self._stall_ticks.clear()

    def add(self, at: float) -> bool:
        """The next tick, arrived at ``at``; whether the master changed tempo (the line starts from the change)."""
        self._ticks.append(at)
        self.count += 1
        split = self._change()
        if split is None:
            return False
        for _ in range(split):
            self._ticks.popleft()
        self._least = BENT_TICKS
        self.changes += 1
        return True

    def fit(self, tempo: float) -> tuple[float, float]:
        """(tempo, the line's time at the last tick): least squares through the ticks, one tick apart each; with too
        few ticks for a line, ``tempo`` (the last known) through them."""
        n = len(self._ticks)
        mean_i = (n - 1) / 2.0
        mean_t = sum(self._ticks) / n
        if n < self._least:
            seconds = 60.0 / tempo / TICKS_PER_BEAT
            return tempo, mean_t + seconds * (n - 1 - mean_i)
        base, seconds = self._kept_line()
        tempo = min(999.0, max(20.0, 60.0 / TICKS_PER_BEAT / max(seconds, 1e-6)))
        return tempo, base + seconds * (n - 1)

    def _kept_line(self) -> tuple[float, float]:
        """(the line's time at tick 0, its seconds a tick) through the ticks, those a stall let go together left out:
        late by the stall, not by the master, they bent the tempo for the two beats they stayed in the line (a stall
        of 8 ticks read 110 BPM of a master at 120, 182 of one at 200). Through all of them where too few are left."""
        ticks = list(self._ticks)
        kept = [i for i, t in enumerate(ticks) if t not in self._stall_ticks]
        if len(kept) == len(ticks) or len(kept) < max(self._least, BENT_TICKS):
            base, seconds, _ = _line(ticks)
            return base, seconds
        index, times = np.array(kept, dtype=float), np.array([ticks[i] for i in kept])
        seconds, base = (float(v) for v in np.polyfit(index, times, 1))
        return base, seconds

    def _change(self) -> int | None:
        """How many of the ticks are before a tempo change the last ones show, or None: no change."""
        ticks = list(self._ticks)
        held = len(ticks) - CHANGE_TICKS
        if held < HELD_TICKS:
            self._note_early_stall(ticks)
            return None
        base, seconds, rms = _line(ticks[:held])
        # The line without a stall's ticks, held back and let go together: late by the stall, not by jitter, they
        # held its spread and its worst tick up for beats (62 ms after four ticks), and 120 -> 150 BPM up to four
        # beats after such a stall was not found. Remembered: once the silence before them has left the line, they
        # no longer show as a stall's.
        self._stall_ticks = {ticks[i] for i in self._released(ticks, seconds)} | (self._stall_ticks & set(ticks))
        released = {i for i in range(held) if ticks[i] in self._stall_ticks}
        if held - len(released) < BENT_TICKS:
            released = set()  # too few ticks besides them to draw a line through (nor a worst tick to take): all count
        if released:
            kept = [i for i in range(held) if i not in released]
            index, times = np.array(kept, dtype=float), np.array([ticks[i] for i in kept])
            seconds, base = (float(v) for v in np.polyfit(index, times, 1))
            rms = math.sqrt(float(np.sum((times - base - seconds * index) ** 2)) / max(1, len(kept) - 2))
        worst = max(abs(t - base - seconds * i) for i, t in enumerate(ticks[:held]) if i not in released)
        self._worst = max(worst, self._worst * WORST_KEPT)
        off = [t - base - seconds * (held + j) for j, t in enumerate(ticks[held:])]
        mean = sum(off) / CHANGE_TICKS
        # the spread of that mean with no change: the ticks' own, and the line's where it is drawn on
        far = held + (CHANGE_TICKS - 1) / 2.0 - (held - 1) / 2.0
        sd = max(rms, SPREAD_FLOOR) * math.sqrt(1.0 / CHANGE_TICKS + 1.0 / held + far ** 2 / _index_spread(held))
        if abs(mean) <= CHANGE_SPREADS * sd or abs(mean) <= self._worst or any((o > 0) != (mean > 0) for o in off[-3:]):
            return None
        split = self._bend(ticks)
        after = ticks[split:]
        if len(after) < BENT_TICKS:  # too early to tell a bend from a step
            return None
        _, before_seconds, before_rms = _line(ticks[:split])
        _, after_seconds, after_rms = _line(after)
        stalled = self._stalled(ticks, split, before_seconds)
        if stalled is not None:
            if stalled + CHANGE_TICKS >= len(ticks):
                return None  # too early to tell: ticks a stall held, with the master's on time again after them
            # The change bends the ticks after the stall too: the line starts again after it, the held ticks left
            # out (refused for as long as they stayed in the bend, the change was never found: the two-beat line
            # missed ticks ahead by 145 ms a beat after 120 -> 60 BPM)
            split = stalled + 1
            after = ticks[split:]
            _, before_seconds, before_rms = _line(ticks[:split])
            _, after_seconds, after_rms = _line(after)
        sigma = max(rms, before_rms, after_rms, SPREAD_FLOOR)
        if abs(after_seconds - before_seconds) <= 3.0 * sigma / math.sqrt(_index_spread(len(after))):
            return None  # a step: the ticks after it keep the tempo
        if self._stepped(ticks, self._stall_ticks):
            return None
        return split

    def _note_early_stall(self, ticks: list[float]) -> None:
        """The ticks a stall let go together, noted while the line is too short to look for a change (the first beat
        and a quarter after a start, a gap or a change), as :meth:`_change` notes them later: left in, a stall of 8
        ticks half a beat after the master started read it 34 BPM off at 120, the ticks ahead 110 ms off, till 30
        ticks. Only once a silence about a tick long was seen: a line of one JACK period's ticks together and no
        other yet (2048 frames at 180 BPM) cannot tell the next period's from a stall's. Nor after a period cut short
        by the start (:meth:`_cut_short`)."""
        if len(ticks) < 4:
            return
        seconds = _line(ticks)[1]
        if sorted(b - a for a, b in pairwise(ticks))[-2] < 0.5 * seconds:  # besides the longest, the stall's
            return
        released = self._released(ticks, seconds)
        if released and self._cut_short(ticks, released, seconds):
            released = set()
        self._stall_ticks = {ticks[i] for i in released} | (self._stall_ticks & set(ticks))

    @staticmethod
    def _cut_short(ticks: list[float], released: set[int], seconds: float) -> bool:
        """Whether the ``released`` ticks are rather a JACK period's after the line's first run of ticks together,
        cut short by the start (or a gap, or a change): the silence after a period's ticks stamped in turn is shorter
        by their spread, so after one or two ticks it is longer than the silences after full periods by the next
        period's spread (8 ms of ticks stamped 1 ms apart: 4096 frames at 240 BPM). Taken for a stall's, that whole
        period was left out of the line: the tempo read 68 BPM off, not 38, and the ticks ahead missed by 85 ms, not
        58, till tick 30. A stall's silence is longer than the others by more than its ticks' spread."""
        at, last = min(released), max(released)
        if any(b - a >= 0.2 * seconds for a, b in pairwise(ticks[:at])):  # ticks apart before it: not the first run
            return False
        gaps = [b - a for a, b in pairwise(ticks)]
        usual = max(gaps[:at - 1] + gaps[at:])
        return gaps[at - 1] <= usual + ticks[last] - ticks[at] + 0.5 * seconds

    @staticmethod
    def _stalled(ticks: list[float], split: int, seconds: float) -> int | None:
        """The last of the ticks a stall held back and let go at once, from ``split`` on, or None: none. Those are
        three or more together (stamped in turn, a fifth of a tick apart at most) after a silence longer than any the
        ticks before had. Three together after no more than the usual silence are a JACK period's: one of 1024
        frames holds three of them above 234 BPM, every few periods."""
        gaps = [b - a for a, b in pairwise(ticks)]
        usual = max(gaps[:split - 1])
        last = None
        for at in range(max(1, split - 1), len(gaps) - 1):
            if max(gaps[at], gaps[at + 1]) < 0.2 * seconds and gaps[at - 1] > usual + 0.5 * seconds:
                last = at
                while last + 1 < len(gaps) and gaps[last + 1] < 0.2 * seconds:
                    last += 1
        return None if last is None else last + 1

    @staticmethod
    def _released(ticks: list[float], seconds: float) -> set[int]:
        """The ticks a stall held back and let go at once: three or more together (a fifth of a tick apart at most)
        after a silence of more than RELEASED_SILENCE ticks, longer than jitter leaves between two ticks, and longer by
        half a tick than any other silence in the line. A JACK period's ticks come together after as long a silence
        every period: a 2048-frame one holds three or four after three ticks' silence at 180 BPM (4096 frames: from
        88 BPM): all taken for a stall's, they read as tempo changes and left the line no tick to take its worst by."""
        gaps = [b - a for a, b in pairwise(ticks)]
        if len(gaps) < 3:
            return set()
        silent = max(range(len(gaps) - 2), key=gaps.__getitem__)  # the stall's silence, if any: the longest
        usual = max(gaps[:silent] + gaps[silent + 1:])
        at = silent + 1
        if gaps[silent] <= max(RELEASED_SILENCE * seconds, usual + 0.5 * seconds):
            return set()
        if max(gaps[at], gaps[at + 1]) >= 0.2 * seconds:
            return set()
        last = at + 1
        while last < len(gaps) and gaps[last] < 0.2 * seconds:
            last += 1
        return set(range(at, last + 1))

    @staticmethod
    def _stepped(ticks: list[float], stall: set[float]) -> bool:
        """Whether one line with a step in it fits the last ticks twice as well as a line bent anywhere: ticks delivered
        together (a JACK period holding two, a stall of the workers) and stamped in turn, then on time again. Not
        through the ``stall``'s ticks: late by the stall, neither line fits them."""
        times = np.array(ticks[-SPLIT_TICKS:])
        n = len(times)
        index = np.arange(n, dtype=float)
        others = np.array([t not in stall for t in times])
        # too few ticks besides the stall's for a line with a bend or a step: through all of them
        kept = others if np.count_nonzero(others) >= 2 * BENT_TICKS else None
        bent = min(_fit_cost(times, np.maximum(0.0, index - (at - 1)), kept) for at in range(2, n - 1))
        return 2.0 * min(_fit_cost(times, (index >= at).astype(float), kept) for at in range(2, n - 1)) <= bent

    @staticmethod
    def _bend(ticks: list[float]) -> int:
        """The tick a line bent there (one line before, another after, meeting at it) fits ``ticks`` best from."""
        times = np.array(ticks)
        n = len(times)
        index = np.arange(n, dtype=float)
        best, split = math.inf, n - CHANGE_TICKS
        for at in range(max(2, n - SPLIT_TICKS), n - 1):
            cost = _fit_cost(times, np.maximum(0.0, index - (at - 1)))
            if cost < best:
                best, split = cost, at
        return split


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
