"""MIDI clock out: 24 ticks a beat, and start and stop, from a ``pattern`` node's beat clock (its own tempo, or the
Ableton Link session's), so that a drum machine, a hardware sequencer or a DAW slaved to MIDI clock plays along.

Like the pattern's steps, each message is sent ``lookahead_ms`` ahead, stamped in its ``time`` with when it is to
be heard (``time.perf_counter()``); ``midi_out`` holds it until then. The ticks run whenever the groove plays;
``start`` goes out just before the tick on the first bar line the groove plays (a slave counts its bars from there),
``stop`` just after the last tick heard when the groove stops: the ticks sent ahead for after it are void, as the
groove's steps are (``midi_out`` drops them). The beat clock is the one the pattern node publishes
(``exsampling_patch.nodes.clock``), read every 5 ms: nothing here waits on the pattern node.
"""

from __future__ import annotations

import math
import time
from collections import deque

from exsampling_patch.node import Node, Output, Param
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.ports import MIDI

TICKS_PER_BEAT = 24  # MIDI clock's resolution: 24 pulses per quarter note
TICKS_PER_SIXTEENTH = 6  # a song position counts sixteenths: a slave goes on only on one of them
TICK_SECONDS = 0.005  # how often the node looks ahead
LATE_DROP = 0.02  # a tick whose time passed by more than this (a stalled thread) is skipped
GRACE_SECONDS = 1.0  # an edit rebuilds the pattern node: its clock is gone that long at most, not stopped
#: start is stamped this part of a tick before its tick, stop as much after the last: midi_out holds each until its
#: time, converted from perf_counter to its own clock message by message (microseconds apart), so two messages
#: stamped the same or 10 us apart could go out in either order: a slave that counted the bar's first tick before
#: its start was a tick late for the whole song.
APART = 0.25


class MidiClock(Node):
    """Send MIDI clock (24 ticks a beat) with start and stop, in time with a pattern node (its tempo, or Link's).

    Link its ``midi`` output to ``midi_out``: a drum machine or a DAW set to follow MIDI clock then plays at the
    groove's tempo and starts on its bar. Ticks go out ahead, each stamped with when it is to be heard, and
    ``midi_out`` holds each until then. ``start`` comes just before the first tick of the first bar the groove
    plays; ``stop`` when the groove stops (its ``play`` control, or the Link session's transport).
    """

    type_name = "midi_clock"
    family = "sources"

    midi = Output(MIDI, "clock ticks, start and stop; time: when each is heard (perf_counter), held by midi_out")

    clock = Param(str, "", "the pattern node whose beat clock it sends ('': whichever pattern node runs)")
    lookahead_ms = Param(float, 100.0, "how far ahead messages are sent (as the pattern's)", minimum=20.0,
                         maximum=1000.0, unit="ms")
    start_stop = Param(bool, True, "send start on the bar the groove starts on, and stop when it stops")

    def start(self) -> None:
        self._next_tick: int | None = None  # the next tick to send, counted from beat 0 of the beat clock
        self._start_tick: int | None = None  # the tick a start is due before (a bar line), until it is sent
        self._started = False  # a start was sent and no stop since
        self._last_due = 0.0
        self._tick_seconds = 0.0  # between the last two ticks sent
        self._dues: deque[float] = deque(maxlen=512)  # of the ticks sent: a stop comes after those heard by then
        self._last_clock: clocks.BeatClock | None = None
        self._starts = 0  # the master's starts (BeatClock.starts) the ticks sent go by
        self._last_seen = 0.0
        self.ticks_sent = 0
        self.late_ticks = 0
        self.run_thread(self._run, name=f"{self.node_id}-midi-clock")

    def stop(self) -> None:
        self.stop_event.set()
        super().stop()
        if getattr(self, "_started", False):  # a slave left running would play on without a clock
            self._started = False
            self._emit("stop", 0.0)

    def _run(self) -> None:
        while not self.stop_event.is_set():
            now = time.perf_counter()
            self._schedule(now, self._beat_clock(now))
            self.stop_event.wait(TICK_SECONDS)

    def _beat_clock(self, now: float) -> clocks.BeatClock | None:
        clock = clocks.current(self.clock)
        if clock is not None:
            self._last_clock, self._last_seen = clock, now
        elif now - self._last_seen < GRACE_SECONDS:
            clock = self._last_clock
        return clock

    def _emit(self, kind: str, due: float, **fields: int) -> None:
        import mido

        self.emit("midi", mido.Message(kind, time=due, **fields))

    def _schedule(self, now: float, clock: clocks.BeatClock | None) -> None:
        """Send every tick whose time falls before ``now + lookahead``, each stamped with that time."""
        if clock is None or not clock.playing:
            if self._next_tick is not None:
                self._next_tick = self._start_tick = None
                self._stop(now)
            return
        if self._next_tick is not None and clock.starts != self._starts:
            # the master stopped and went on between two looks (a DAW relocating sends stop, song position and
            # continue at once; a stalled thread slept through a quick one): as a stop then a start, or the slave
            # was never told and played on from where it was
            self._next_tick = self._start_tick = None
            self._stop(now)
        self._starts = clock.starts
        lookahead = self.lookahead_ms / 1000.0
        horizon = now + lookahead
        first = math.ceil(clock.beat_at(horizon - lookahead / 2) * TICKS_PER_BEAT)
        if self._next_tick is None or self._next_tick > first + 2 * TICKS_PER_BEAT:
            self._stop(now)  # the beat jumped back (a Link session's did): the slave starts again on a bar
            self._next_tick = first
            bar = max(1, round(clock.quantum * TICKS_PER_BEAT))
            # where the groove's master started or went on (a Link session's bar, a MIDI clock's start or continue)
            on = math.ceil(clock.start_beat * TICKS_PER_BEAT - 1e-6) if clock.start_beat > -math.inf else None
            begin = first if on is None else max(first, on)
            line = begin // bar * bar
            on_at = -math.inf if on is None else clock.time_at(on / TICKS_PER_BEAT)
            # a MIDI master's start or continue less than a bar ago. A start seen late (on a bar line) waited for the
            # next bar too: a master stopped before it (31 ticks in, under load) had the slave never start at all.
            # Not while its tempo is a guess (a quiet start): the ticks' line then put tick 1 before the master's.
            recent = on is not None and on_at + clock.quantum * 60.0 / clock.tempo > now and (
                on % bar != 0 or clock.placed_until == math.inf)
            if self.start_stop and line < first and clock.time_at(line / TICKS_PER_BEAT) >= now:
                # the bar line the groove starts on is still ahead (this thread came to it late): start there, not
                # a bar after the groove
                self._next_tick = begin = line
            elif self.start_stop and on is not None and on < first and on_at >= now:
                self._next_tick = begin = on  # a continue mid-bar, still ahead: there, as the groove goes on
            elif self.start_stop and on is not None and recent and not clock.link:
                # seen too late for its first tick (a loaded host's threads): from the first tick still sent (a tick
                # up to LATE_DROP past is, as the groove's step), as the groove goes on; a start's too, with song
                # position and continue. Its next bar line, the slave silent till then, was often past the master's
                # next stop: no start or continue at all.
                late = math.ceil(clock.beat_at(now - LATE_DROP) * TICKS_PER_BEAT - 1e-6)
                self._next_tick = begin = on = max(on, late)
            # the slave goes on with the groove where its master went on mid-bar, not on the next bar (silent then):
            # on a sixteenth, as a song position counts them: a master stopped between two and continued from there
            # had the slave given the sixteenth before, and it played a few ticks behind the groove from then on
            on_sixteenth = -(-begin // TICKS_PER_SIXTEENTH) * TICKS_PER_SIXTEENTH
            self._start_tick = (on_sixteenth if begin == on else -(-begin // bar) * bar) if self.start_stop else None
        # a MIDI clock master's tempo not read yet (the groove follows one): no tick ahead of the master's, passed on
        horizon = min(horizon, clock.placed_until)
        while True:
            tick = self._next_tick
            due = clock.time_at(tick / TICKS_PER_BEAT)
            if due > horizon:
                return
            self._next_tick = tick + 1
            if due < now - LATE_DROP:
                self.late_ticks += 1
                continue
            # A faster tempo from now moves ticks already sent (up to a lookahead, at the old tempo) earlier than the
            # next one: never closer than half a tick after the last, so the slave sees every tick (its count is its
            # place in the bar) at no more than twice the tempo, and the ticks catch up with the clock within a few.
            tick_seconds = 60.0 / clock.tempo / TICKS_PER_BEAT
            due = max(due, self._last_due + 0.5 * tick_seconds)
            self._last_due, self._tick_seconds = due, tick_seconds
            self._dues.append(due)
            if self._start_tick is not None and tick >= self._start_tick:
                self._start_tick = None
                self._started = True
                if tick <= 0 or clock.link:  # the groove's bar 1 (or a Link session's start: each app its own top)
                    self._emit("start", due - APART * tick_seconds)
                else:  # joined mid-groove, or the groove went on from a song position: the slave to where it is
                    self._emit("songpos", due - 2 * APART * tick_seconds, pos=tick // TICKS_PER_SIXTEENTH % 16384)
                    self._emit("continue", due - APART * tick_seconds)
            self._emit("clock", due)
            self.ticks_sent += 1

    def _stop(self, now: float) -> None:
        """Stop the slave where the groove stopped: after the ticks heard by ``now``. Before, after every tick sent
        ahead (a lookahead's: 5 at 120 BPM), and a slave told to stop on a bar line played that bar's first step."""
        if self._started:
            self._started = False
            heard = [due for due in self._dues if due <= now]
            self._last_due = max(now, heard[-1] + APART * self._tick_seconds) if heard else now
            self._emit("stop", self._last_due)

