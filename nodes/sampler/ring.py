"""A single-producer, single-consumer ring of note events for the audio callback.

The producer (a MIDI thread, or the engine worker that feeds the node's ``midi`` input) writes into
preallocated arrays and then advances ``write``; the consumer (the audio callback) reads up to ``write``
and advances ``read``. Each index is written by one side only, so neither side ever waits or locks.
"""

from __future__ import annotations

import numpy as np

NOTE_OFF = 0
NOTE_ON = 1
ALL_OFF = 2


class EventRing:
    """Fixed-size SPSC ring of (kind, channel, note, velocity, time) events; drops events when full."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self.kind = np.zeros(capacity, dtype=np.int8)
        self.channel = np.zeros(capacity, dtype=np.int8)
        self.note = np.zeros(capacity, dtype=np.int8)
        self.velocity = np.zeros(capacity, dtype=np.int8)
        self.stamp = np.zeros(capacity, dtype=np.float64)  # time.perf_counter() when queued (benchmarks)
        self.write = 0  # advanced by the producer only
        self.read = 0  # advanced by the consumer only
        self.dropped = 0

    def push(self, kind: int, channel: int, note: int, velocity: int, stamp: float = 0.0) -> bool:
        """Queue one event (producer side). Returns False, counting a drop, when the ring is full."""
        w = self.write
        if w - self.read >= self.capacity:
            self.dropped += 1
            return False
        i = w % self.capacity
        self.kind[i] = kind
        self.channel[i] = channel
        self.note[i] = note
        self.velocity[i] = velocity
        self.stamp[i] = stamp
        self.write = w + 1  # publish after the slot is filled
        return True

    def pending(self) -> int:
        return self.write - self.read
