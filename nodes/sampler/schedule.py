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

#: A callback further than this from where the clock expects it (an xrun, a stream re-opened, a machine
#: that stopped) restarts the clock at that callback.
RESET_SECONDS = 0.05


class BlockClock:
    """When each block begins, on the ``time.perf_counter()`` clock, filtered over the stream's frame count.

    A second-order delay-locked loop (F. Adriaensen, "Using a DLL to filter time", 2005): each callback's
    measured start corrects the prediction by a fraction, so the estimate follows the sound card's clock
    (and its drift against the computer's) while a callback woken late by the scheduler moves it by
    ``b`` times its lateness only. ``bandwidth`` (Hz) sets how fast it follows: 0.1 Hz holds a block's start to
    about 0.2 ms under 2 ms of wake-up jitter (tests/outputs/test_sampler_timing.py).
    """

    def __init__(self, sample_rate: int, bandwidth: float = 0.1, start_bandwidth: float = 2.0) -> None:
        self.sample_rate = sample_rate
        self.bandwidth = bandwidth
        self.start_bandwidth = start_bandwidth  # after a (re)start it locks fast, then narrows to ``bandwidth``
        self._bandwidth = start_bandwidth
        self.frame = 0  # frames rendered before the current block
        self.time = 0.0  # estimated start of the current block
        self.seconds_per_frame = 1.0 / sample_rate
        self._started = False
        self._last_frames = 0

    def tick(self, measured: float, frames: int) -> float:
        """The block of ``frames`` frames whose callback began at ``measured``: returns its estimated start."""
        if not self._started:
            return self._reset(measured, frames)
        self.frame += self._last_frames
        predicted = self.time + self._last_frames * self.seconds_per_frame
        error = measured - predicted
        if abs(error) > RESET_SECONDS:
            return self._reset(measured, frames)
        self._bandwidth = max(self.bandwidth, self._bandwidth * 0.99)
        omega = 2.0 * math.pi * self._bandwidth * self._last_frames * self.seconds_per_frame
        self.time = predicted + math.sqrt(2.0) * omega * error
        self.seconds_per_frame += omega * omega * error / max(1, self._last_frames)
        # never far from the nominal rate (a wild measurement cannot make the clock run backwards)
        nominal = 1.0 / self.sample_rate
        self.seconds_per_frame = min(nominal * 1.01, max(nominal * 0.99, self.seconds_per_frame))
        self._last_frames = frames
        return self.time

    def _reset(self, measured: float, frames: int) -> float:
        self._started = True
        self._bandwidth = self.start_bandwidth
        self.frame += self._last_frames
        self.time = measured
        self.seconds_per_frame = 1.0 / self.sample_rate
        self._last_frames = frames
        return measured


class Held:
    """Timed events the callback holds until the block they fall in: fixed-size arrays, in arrival order."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self.kind = np.zeros(capacity, np.int8)
        self.channel = np.zeros(capacity, np.int8)
        self.note = np.zeros(capacity, np.int8)
        self.velocity = np.zeros(capacity, np.int8)
        self.due = np.zeros(capacity, np.float64)  # perf_counter time at which the event is rendered
        self.stamp = np.zeros(capacity, np.float64)
        self.source = np.zeros(capacity, np.int8)  # the ring it came from
        self.count = 0
        self.dropped = 0

    def add(self, kind: int, channel: int, note: int, velocity: int, due: float, stamp: float,
            source: int = 0) -> bool:
        n = self.count
        if n >= self.capacity:
            self.dropped += 1
            return False
        self.kind[n], self.channel[n], self.note[n], self.velocity[n] = kind, channel, note, velocity
        self.due[n], self.stamp[n], self.source[n] = due, stamp, source
        self.count = n + 1
        return True

    def keep_from(self, index: int, into: int) -> None:
        """Move event ``index`` to position ``into`` (compaction after some were taken)."""
        if index != into:
            self.kind[into], self.channel[into] = self.kind[index], self.channel[index]
            self.note[into], self.velocity[into] = self.note[index], self.velocity[index]
            self.due[into], self.stamp[into] = self.due[index], self.stamp[index]
            self.source[into] = self.source[index]

    def clear(self) -> None:
        self.count = 0
