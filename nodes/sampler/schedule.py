"""Timed note events in the audio callback: a clock for the blocks, and the events held until their block.

A producer that schedules ahead (the ``pattern`` node) stamps each event with ``due``: the
``time.perf_counter()`` at which it should be heard at the sound card's output. The callback maps its blocks
onto that clock with :class:`BlockClock` (a delay-locked loop over the stream's frame count, so the wake-up
jitter of the callback does not move the grid) and places each note-on at its frame within the block it falls
in: a note sounds within a sample of its time, not at the next block boundary. Events due later wait in
:class:`Held`, preallocated arrays the callback alone owns. Note-offs (and all-notes-off) take effect at the
start of the first block that begins after their time: a release starts up to one block late, which a gate
never hears, and a note that starts and ends within one block still sounds.
"""

from __future__ import annotations

import math

import numpy as np

from exsampling_patch.nodes.sampler.ring import NOTE_OFF, NOTE_ON

#: A callback further than this off (and all held off with it): the machine stopped or the stream was re-opened,
#: and no buffer holds the old phase. While the new phase is confirmed, each such block is placed at the earliest
#: of the callbacks so far (not at the old prediction, nor the clock restarted at one of them).
RESET_SECONDS = 0.05
#: The most one callback's distance from the prediction moves the loop: a callback the scheduler woke late
#: (5 or 30 ms: a busy machine) counts as this much late, so the blocks after it keep their times.
CLAMP_SECONDS = 0.001
#: A callback at least this far (and half a block) off the prediction is not fed to the loop: it was woken very
#: late, or the stream's frames and the clock parted by whole blocks (the host dropped cycles in an xrun). One
#: alone moves nothing; :data:`CONFIRM` in a row that agree within a quarter of a block (and half of this) are
#: the new phase, which the clock then takes up at once instead of slewing to it for seconds. A callback any
#: distance off goes this way, a stall of 100 ms too: one callback never restarts the clock.
HOLD_SECONDS = 0.002
CONFIRM = 3
#: ... or this many in a row that do not agree (a busy machine after the xrun): the earliest of them. At the start
#: the clock's phase is the earliest of this many first callbacks.
HOLD_LIMIT = 8
#: A timed note-on that reaches its block later than this after its time, beyond the stream's output latency (a note
#: sent for "now" is that late, no more), and later than a block, is dropped and
#: counted (``late_dropped``), not played at once: the steps a pattern sent before the stream opened, or during a
#: stall, would otherwise all start in one block, stacked (a loud flam of a dozen hits). One less late plays at
#: once (``late_events``). The pattern node skips a step this late itself (``pattern.LATE_DROP``).
LATE_PLAY_SECONDS = 0.02


class BlockClock:
    """When each block begins, on the ``time.perf_counter()`` clock, filtered over the stream's frame count.

    A second-order delay-locked loop (F. Adriaensen, "Using a DLL to filter time", 2005): each callback's
    measured start corrects the prediction by a fraction, so the estimate follows the sound card's clock
    (and its drift against the computer's) while a callback woken late by the scheduler moves it by
    ``b`` times its lateness only, and by no more than ``b`` times :data:`CLAMP_SECONDS` however late it was: a
    30 ms stall would otherwise move the grid by 0.3 ms and hold it off for seconds. ``bandwidth`` (Hz) sets how
    fast it follows: 0.1 Hz holds a block's start to about 0.2 ms under 2 ms of wake-up jitter
    (tests/outputs/test_sampler_timing.py). When the host drops cycles (an xrun), the stream's frame count falls
    behind by whole blocks: callbacks then stay that far off the prediction, and after :data:`CONFIRM` of them
    the clock steps to the new phase (``rephased`` counts it); a stall (a callback 100 ms late) goes the same way,
    its blocks placed meanwhile at the earliest of its callbacks so far (:data:`RESET_SECONDS`).
    At the start the first callback may be woken late too (a loaded machine): the clock takes its phase from the
    earliest of the first :data:`HOLD_LIMIT` callbacks (callbacks are woken late, never early), each block's
    estimate the best so far, and only then runs the loop. A stream re-opened in a new audio process starts a new
    clock (its frames count from 0 again).
    """

    def __init__(self, sample_rate: int, bandwidth: float = 0.1, start_bandwidth: float = 2.0) -> None:
        self.sample_rate = sample_rate
        self.bandwidth = bandwidth
        self.start_bandwidth = start_bandwidth  # after a (re)start it locks fast, then narrows to ``bandwidth``
        self._bandwidth = start_bandwidth
        self.frame = 0  # frames rendered before the current block
        self.time = 0.0  # estimated start of the current block (after a stall, until the step: the old grid's)
        self.seconds_per_frame = 1.0 / sample_rate
        self._started = False
        self._starting = 0  # first callbacks still to be taken for the phase (after the first)
        self._anchor = 0.0  # the start of the first block, from the earliest of them so far
        self._elapsed = 0  # frames since the first block
        self._last_frames = 0
        self._off = [0.0] * HOLD_LIMIT  # distances of the callbacks held off, in a row (a ring)
        self._offs = 0
        self.held_off = 0  # callbacks at least half a block off the prediction: not fed to the loop
        self.rephased = 0  # steps to a new phase (cycles dropped)

    def tick(self, measured: float, frames: int) -> float:
        """The block of ``frames`` frames whose callback began at ``measured``: returns its estimated start."""
        if not self._started:
            return self._start(measured, frames)
        self.frame += self._last_frames
        if self._starting:
            return self._take_phase(measured, frames)
        predicted = self.time + self._last_frames * self.seconds_per_frame
        error = measured - predicted
        if abs(error) >= max(HOLD_SECONDS, self._last_frames * self.seconds_per_frame / 2.0):
            return self._hold_off(predicted, error, frames)
        self._offs = 0
        error = min(CLAMP_SECONDS, max(-CLAMP_SECONDS, error))
        self._bandwidth = max(self.bandwidth, self._bandwidth * 0.99)
        omega = 2.0 * math.pi * self._bandwidth * self._last_frames * self.seconds_per_frame
        self.time = predicted + math.sqrt(2.0) * omega * error
        self.seconds_per_frame += omega * omega * error / max(1, self._last_frames)
        # never far from the nominal rate (a wild measurement cannot make the clock run backwards)
        nominal = 1.0 / self.sample_rate
        self.seconds_per_frame = min(nominal * 1.01, max(nominal * 0.99, self.seconds_per_frame))
        self._last_frames = frames
        return self.time

    def _hold_off(self, predicted: float, error: float, frames: int) -> float:
        """A callback half a block or more off: late (keep the prediction), or the grid moved (step to it)."""
        self.held_off += 1
        self._off[self._offs % HOLD_LIMIT] = error
        self._offs += 1
        self.time = predicted
        n = self._offs
        # callbacks are woken late, never early: the earliest of those held off is nearest the new phase
        earliest = error  # over the ring (the last HOLD_LIMIT); no lists, the callback allocates nothing
        for k in range(1, min(n, HOLD_LIMIT)):
            earliest = min(earliest, self._off[(n - 1 - k) % HOLD_LIMIT])
        if n >= CONFIRM:
            low = high = error  # the last CONFIRM distances
            for k in range(1, CONFIRM):
                value = self._off[(n - 1 - k) % HOLD_LIMIT]
                low, high = min(low, value), max(high, value)
            agree = high - low <= max(HOLD_SECONDS / 2.0, self._last_frames * self.seconds_per_frame / 4.0)
            if agree or n >= HOLD_LIMIT:
                self.time = predicted + (low if agree else earliest)
                self._offs = 0
                self.rephased += 1
        self._last_frames = frames
        if self._offs and abs(earliest) > RESET_SECONDS:  # a stall: the earliest so far, the loop's grid kept
            return predicted + earliest
        return self.time

    def _start(self, measured: float, frames: int) -> float:
        self._started = True
        self._starting = HOLD_LIMIT - 1
        self._anchor = measured
        self._elapsed = 0
        self._offs = 0
        self._bandwidth = self.start_bandwidth
        self.time = measured
        self.seconds_per_frame = 1.0 / self.sample_rate
        self._last_frames = frames
        return measured

    def _take_phase(self, measured: float, frames: int) -> float:
        """One of the first callbacks: the earliest (against the frames since the first) is the clock's phase."""
        self._starting -= 1
        self._elapsed += self._last_frames
        span = self._elapsed * self.seconds_per_frame
        self._anchor = min(self._anchor, measured - span)  # woken late, never early: the earliest is nearest
        self.time = self._anchor + span
        self._last_frames = frames
        return self.time


class Held:
    """Timed events the callback holds until the block they fall in: fixed-size arrays, in arrival order.

    A block's work on them is numpy over preallocated arrays (:meth:`acting`, :meth:`offs_before`,
    :meth:`cancel`, :meth:`compact`), Python only for the few events that act in it: a Python pass over every event
    held, each block, cost 1.5 us an event (a pattern sending far ahead holds hundreds).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self.kind = np.zeros(capacity, np.int8)
        self.channel = np.zeros(capacity, np.int8)
        self.note = np.zeros(capacity, np.int8)
        self.velocity = np.zeros(capacity, np.int8)
        self.due = np.zeros(capacity, np.float64)  # perf_counter time at which the event is rendered
        self.stamp = np.zeros(capacity, np.float64)
        self.source = np.zeros(capacity, np.int8)  # the ring it came from
        self.sender = np.zeros(capacity, np.int8)  # the tag of the node that sent it (0: none)
        self.count = 0
        self.dropped = 0
        # -- scratch, for the callback alone -------------------------------------------------------------------------
        self.keep = np.zeros(capacity, np.bool_)  # still held after this block
        self.order = np.zeros(capacity, np.int64)  # the indices of the events acting in this block, in order
        self._index = np.arange(capacity, dtype=np.int64)
        self._is_on = np.zeros(capacity, np.bool_)  # a note-on (velocity > 0): it starts at its frame
        self._is_off = np.zeros(capacity, np.bool_)  # a note-off (or a note-on of velocity 0)
        self._mask = np.zeros(capacity, np.bool_)
        self._mask2 = np.zeros(capacity, np.bool_)
        self._offset = np.zeros(capacity, np.float64)
        self._fields: tuple[np.ndarray, ...] = (self.kind, self.channel, self.note, self.velocity, self.due,
                                                self.stamp, self.source, self.sender)
        self._scratch = tuple(np.zeros(capacity, field.dtype) for field in self._fields)  # one each: compress's out

    def add(self, kind: int, channel: int, note: int, velocity: int, due: float, stamp: float,
            source: int = 0, sender: int = 0) -> bool:
        n = self.count
        if n >= self.capacity:
            self.dropped += 1
            return False
        self.kind[n], self.channel[n], self.note[n], self.velocity[n] = kind, channel, note, velocity
        self.due[n], self.stamp[n], self.source[n], self.sender[n] = due, stamp, source, sender
        self.count = n + 1
        return True

    def acting(self, start: float, frames: int, rate: float) -> int:
        """Which held events act in the block of ``frames`` frames from ``start``: a note-on whose frame falls
        before its end (``round((due - start) * rate) < frames``), anything else due by its start. Their indices go
        to ``order`` (returns how many); ``keep`` says which stay held."""
        n = self.count
        kind, velocity = self.kind[:n], self.velocity[:n]
        is_on, is_off, mask, offset = self._is_on[:n], self._is_off[:n], self._mask[:n], self._offset[:n]
        on_kind = self._mask2[:n]
        np.equal(kind, NOTE_ON, out=on_kind)
        np.greater(velocity, 0, out=mask)
        np.logical_and(on_kind, mask, out=is_on)
        np.logical_not(mask, out=mask)
        np.logical_and(on_kind, mask, out=mask)  # a note-on of velocity 0 ends its note
        np.equal(kind, NOTE_OFF, out=is_off)
        np.logical_or(is_off, mask, out=is_off)
        keep = self.keep[:n]
        np.subtract(self.due[:n], start, out=offset)  # as round((due - start) * rate), in float64 as Python's
        np.multiply(offset, rate, out=offset)
        np.rint(offset, out=offset)
        np.greater_equal(offset, frames, out=mask)  # a note-on after this block
        np.greater(self.due[:n], start, out=keep)  # anything else after its start
        np.copyto(keep, mask, where=is_on)
        np.logical_not(keep, out=mask)
        acting = int(np.count_nonzero(mask))
        if acting:
            np.compress(mask, self._index[:n], out=self.order[:acting])
        return acting

    def offs_before(self, channel: int, note: int, due: float, before: int) -> np.ndarray:
        """Which events still held before index ``before`` are note-offs of ``note`` on ``channel`` due by ``due``
        (after :meth:`acting`): a view of scratch, valid until the next call."""
        mask, other = self._mask2[:before], self._mask[:before]
        np.logical_and(self.keep[:before], self._is_off[:before], out=mask)
        if not mask.any():
            return mask
        np.equal(self.channel[:before], channel, out=other)
        np.logical_and(mask, other, out=mask)
        np.equal(self.note[:before], note, out=other)
        np.logical_and(mask, other, out=mask)
        np.less_equal(self.due[:before], due, out=other)
        np.logical_and(mask, other, out=mask)
        return mask

    def cancel(self, channel: int, source: int, sender: int, due: float) -> None:
        """Drop the events from ring ``source`` due after ``due`` on ``channel`` (a negative one: every channel) and,
        with a ``sender`` tag, from that sender only."""
        n = self.count
        void, other, keep = self._mask[:n], self._mask2[:n], self.keep[:n]
        np.equal(self.source[:n], source, out=void)
        np.greater(self.due[:n], due, out=other)
        np.logical_and(void, other, out=void)
        if channel >= 0:
            np.equal(self.channel[:n], channel, out=other)
            np.logical_and(void, other, out=void)
        if sender:
            np.equal(self.sender[:n], sender, out=other)
            np.logical_and(void, other, out=void)
        if void.any():
            np.logical_not(void, out=keep)
            self.compact()

    def compact(self) -> None:
        """Keep, in order, the held events ``keep`` says."""
        n = self.count
        keep = self.keep[:n]
        kept = int(np.count_nonzero(keep))
        if kept < n:
            for field, scratch in zip(self._fields, self._scratch, strict=True):
                np.compress(keep, field[:n], out=scratch[:kept])
                field[:kept] = scratch[:kept]
        self.count = kept

    def clear(self) -> None:
        self.count = 0
