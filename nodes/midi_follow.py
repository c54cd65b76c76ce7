"""A beat clock that follows MIDI clock from another machine (a drum machine, a DAW, a hardware sequencer).

The master sends 24 ``clock`` ticks a beat, ``start`` (the next tick is beat 0 of bar 1), ``stop``, ``continue``
(on from where it stopped, or from a ``songpos`` sent before it, in sixteenths) and, while stopped, often ticks too. A
:class:`MidiClockTimeline` turns them into the same :class:`~exsampling_patch.nodes.clock.BeatClock` snapshots a
pattern node plays by on its own tempo or with Link: its tempo from a straight line fitted through the last two beats
of ticks (a tick arrives up to a JACK period, 10.7 ms, off its time: the fit smooths that out), started again from a
tempo change the ticks show (:mod:`nodes.tick_line`), its phase from the same line at the last tick. The pattern node
sends its steps ahead on that line; where the master goes, the next ticks move it.

A master that goes silent without a ``stop`` (a cable pulled out) stops the clock after a few ticks' time, rather
than letting the groove run on by itself; when its ticks come back, the clock counts the ticks the gap held at the
last tempo, as the master played on meanwhile, and goes on from there.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, NamedTuple

from exsampling_patch.nodes.clock import BeatClock
from exsampling_patch.nodes.tick_line import MIN_FIT, TICKS_PER_BEAT, TickLine

GONE_TICKS = 6.0  # no tick for this many ticks' time (and GONE_SECONDS at least): the master is gone
GONE_SECONDS = 0.25
#: Nothing of MIDI clock on sync this long since the follower began: said (a master's clock out is often off)
UNHEARD_SECONDS = 5.0


class Transport(NamedTuple):
    """The master's transport as it sent it, for the node's status (see :meth:`MidiClockTimeline.transport`)."""

    playing: bool  # since its start or continue, until its stop: through a silence too (a cable out)
    starts: int  # its starts and continues so far
    from_beat: float  # where the last one went on from (0: a start)
    tempo_ticks: int  # the ticks the tempo is read from (0: the last tempo known: too few since they began or a gap)


class MidiClockTimeline:
    """The beat clock of the MIDI clock fed to :meth:`feed` (messages with their arrival on ``perf_counter``)."""

    def __init__(self, tempo: float, quantum: float) -> None:
        self.quantum = quantum
        self._lock = threading.Lock()  # the engine's worker feeds, the pattern's scheduler captures
        self._feeding = threading.Lock()  # one tick at a time goes on from the line the last one left
        self._ticks = TickLine()  # the last ticks, playing or not, none missing
        self._next = 0  # the song position (in ticks) the next tick has while playing
        self._last = -1  # the song position of the last tick received while playing (-1: none since the start)
        self._playing = False
        self._start_beat = -math.inf  # the beat the master started or continued from: nothing before it plays
        self._tempo = tempo  # the last tempo the ticks gave (until they give one: the node's own)
        self._line: tuple[float, float] | None = None  # _fitted() of the ticks as they are now; None: not fitted yet
        self._clock = BeatClock(time.perf_counter(), 0.0, tempo, quantum, playing=False)
        self.starts = 0  # start and continue messages so far: each one a new start, from its beat
        self._guessing = False  # started with no clock running: the tempo is a guess until MIN_FIT ticks (_snapshot)
        self._started_at = -math.inf  # when the last start or continue came: silence counts from it at the earliest
        self._since_start = 0  # ticks received since the last start or continue
        self._songpos: tuple[int, float] | None = None  # a song position (ticks) sent while playing, when it came
        self._began = time.perf_counter()  # nothing heard since: see unheard_since
        self._heard = False
        self.told_unheard = False  # the pattern node said it hears nothing (an edit's node, on this timeline, knows)

    @property
    def peers(self) -> int:
        return 0

    def feed(self, message: Any, at: float) -> None:
        """Take one MIDI message that arrived at ``at``; anything but clock, start, stop, continue and song position
        is left alone."""
        kind = getattr(message, "type", "")
        self._heard = self._heard or kind in ("clock", "start", "stop", "continue", "songpos")
        if kind == "clock":
            with self._feeding:
                with self._lock:
                    line = self._ticks.copy()
                    gap = bool(line.count) and at - line.last > self._gone_after()
                if gap:
                    line.clear()  # the line starts again: the gap is no tick interval
                # A tempo change's least squares, on a copy: the pattern's scheduler takes the lock to capture the
                # clock and sends its steps on time, it must not wait for them. The line is put in under the lock.
                line.add(at)
                with self._lock:
                    self._tick(at, line, gap)
                    self._clock = self._snapshot()
            return
        with self._lock:
            if kind == "start":  # the next tick is beat 0
                self._playing, self._next, self._last, self._start_beat = True, 0, -1, 0.0
                self.starts += 1
                self._started_at, self._since_start, self._songpos = at, 0, None
                self._guessing = not self._running(at)
            elif kind == "continue" and (not self._playing or self._silent(at) or self._stopped_unheard(at)):
                # Not while its ticks come: a continue sent again (a DAW's play pressed twice, a MIDI merger doubling
                # it) was a new start from the tick it came on, off the sixteenths: the groove voided the steps it had
                # sent ahead and a midi_clock's slave got a stop and a continue the master never sent. After a
                # silence it is one: the master stopped unheard (a cable out), and its next tick counted the gap as
                # played, the groove off by the gap. So it is after a song position, or long after the last start:
                # a stop lost amid the ticks a master sends while stopped (see _stopped_unheard).
                position = self._songpos_before(at)
                if position is not None:
                    self._next = position  # where the master goes on from: not its stopped ticks counted
                self._playing, self._last, self._start_beat = True, -1, self._next / TICKS_PER_BEAT
                self.starts += 1
                self._started_at, self._since_start, self._songpos = at, 0, None
                self._guessing = not self._running(at)
            elif kind == "stop":
                self._playing, self._songpos = False, None
            elif kind == "songpos":
                position = int(message.pos) * TICKS_PER_BEAT // 4
                if self._playing:  # held for the continue it comes before: a stop went unheard (a DAW's SPP)
                    self._songpos = (position, at)
                    return
                self._next = position
            else:
                return
            self._clock = self._snapshot()

    def _tick(self, at: float, ticks: TickLine, gap: bool) -> None:
        """Put in the line with the tick that arrived at ``at`` (``gap``: after a gap, started again from it)."""
        if gap and self._playing and self._last >= 0:
            # ticks gone while playing: the master played on meanwhile (a cable out), so does the count. Not a
            # start's first tick after a quiet stop: that gap counted, the groove came back mid-bar.
            tempo, last = self._fitted()  # the line, not the last arrival: that one is up to a JACK period off
            self._next += max(0, round((at - last) * tempo * TICKS_PER_BEAT / 60.0) - 1)
            self._start_beat = self._next / TICKS_PER_BEAT  # its step plays, as a start's first (just late)
        self._ticks = ticks
        self._line = None
        if ticks.count >= MIN_FIT:
            self._tempo = self._fitted()[0]  # a fit of MIN_FIT ticks or more reads no _tempo: the line holds
            self._guessing = False
        self._since_start += 1
        if self._playing:
            self._last, self._next = self._next, self._next + 1

    def _fitted(self) -> tuple[float, float]:
        """(tempo, the line's time at the last tick), fitted once for the ticks as they are: each tick's tempo and the
        snapshot after it read the same line (fitted twice a tick before)."""
        if self._line is None:
            self._line = self._ticks.fit(self._tempo)
        return self._line

    def _gone_after(self) -> float:
        return max(GONE_SECONDS, GONE_TICKS * 60.0 / self._tempo / TICKS_PER_BEAT)

    def _silent(self, now: float) -> bool:
        """Whether no tick (nor start) has come for a few ticks' time: a stop may have gone unheard meanwhile."""
        return now - max(self._ticks.last, self._started_at) > self._gone_after()

    def _stopped_unheard(self, now: float) -> bool:
        """Whether a continue that came at ``now`` while the master seemed to play is its own after a stop we missed
        (its ticks went on while stopped, so no silence showed it): right after a song position (a DAW sends one
        before its continue; a doubled continue comes without), or a bar of ticks or more after the last start or
        continue (a doubled one comes within a tick or two of it, a play pressed twice within a second)."""
        position = self._songpos_before(now)
        if position is not None:
            return self._last >= 0 or position != self._next  # the same place, no tick since: a double
        return self._since_start >= self.quantum * TICKS_PER_BEAT

    def _songpos_before(self, now: float) -> int | None:
        """The song position (ticks) sent while playing just before ``now`` (a few ticks' time), if one was."""
        if self._songpos is None or now - self._songpos[1] > self._gone_after():
            return None
        return self._songpos[0]

    def _running(self, now: float) -> bool:
        """Whether the master's ticks come now, enough of them for the line (sent while stopped, as most do)."""
        return self._ticks.count >= MIN_FIT and now - self._ticks.last < self._gone_after()

    def _snapshot(self) -> BeatClock:
        now = time.perf_counter()
        running = self._running(now)
        if self._playing and self._last < 0 and running:
            # started (or continued) with the clock running: its next tick is the first step's, on the ticks' line.
            # Waiting for that tick to arrive, the step went out at its time, too late for a sampler to play it (its
            # output latency, 21 ms under JACK, is more than it plays late notes by): bar 1 began without its one.
            tempo, at = self._fitted()
            return BeatClock(at + 60.0 / tempo / TICKS_PER_BEAT, self._next / TICKS_PER_BEAT, tempo, self.quantum,
                             True, 0, False, self._start_beat, starts=self.starts)
        if not self._playing or self._last < 0 or not self._ticks.count:  # stopped, or started and no tick yet
            return BeatClock(now, self._next / TICKS_PER_BEAT, self._tempo, self.quantum, False)
        tempo, at = self._fitted()
        # Started with no clock running, the tempo is the node's own, or the master's before its stop, until MIN_FIT
        # ticks give the new one: sent a lookahead ahead on that guess, a master at 90 BPM had the node's second
        # sixteenth 42 ms early (the node at 120), one sped up while stopped had it late. Each goes out as its tick
        # comes instead (placed_until), an output latency late, as the first.
        until = at + 1e-6 if self._guessing else math.inf
        return BeatClock(at, self._last / TICKS_PER_BEAT, tempo, self.quantum, True, 0, False, self._start_beat, until,
                         self.starts)

    def capture(self) -> BeatClock:
        """The clock now: stopped too while the master has sent no tick for a few ticks' time."""
        with self._lock:
            clock = self._clock
            if clock.playing and self._ticks.count and time.perf_counter() - self._ticks.last > self._gone_after():
                return BeatClock(clock.t0, clock.beat0, clock.tempo, clock.quantum, False)
            return clock

    def gone_since(self, now: float) -> float | None:
        """When the master last sent a tick (or its start), where it has gone silent since while playing (a cable
        pulled out: :meth:`capture` stops the clock); None while its ticks come, or it stopped."""
        with self._lock:
            last = max(self._ticks.last, self._started_at)
            return last if self._playing and now - last > self._gone_after() else None

    def unheard_since(self, now: float) -> float | None:
        """When the follower began, where no MIDI clock message has come since, for :data:`UNHEARD_SECONDS` at
        least; None once one came (or before then)."""
        return None if self._heard or now - self._began < UNHEARD_SECONDS else self._began

    def transport(self) -> Transport:
        """What the master itself did: a silence stops the clock (:meth:`capture`) and is no stop of the master's."""
        with self._lock:
            return Transport(self._playing, self.starts, self._start_beat,
                             self._ticks.fitted if self._ticks.count >= MIN_FIT else 0)

    def last_tick(self) -> float:
        """When the last tick arrived (-inf: none yet)."""
        with self._lock:
            return self._ticks.last

    def set_tempo(self, tempo: float) -> None:
        """The tempo until the master's ticks give one (the master sets it)."""
        with self._lock:
            if self._ticks.count < MIN_FIT:
                self._tempo = tempo
                self._line = None  # a fit of so few ticks takes the tempo known

    def set_quantum(self, quantum: float) -> None:
        with self._lock:
            self.quantum = quantum
            self._clock = self._snapshot()

    def close(self) -> None:
        pass
