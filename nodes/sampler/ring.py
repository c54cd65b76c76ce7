"""A single-producer, single-consumer ring of note events for the audio callback.

The producer (a MIDI thread, or the engine worker that feeds the node's ``midi`` input) writes into
preallocated arrays and then advances ``write``; the consumer (the audio callback) reads up to ``write``
and advances ``read``. Each index is written by one side only, so neither side ever waits or locks.

The arrays can live in a buffer shared with another process (``buffer=``, see :mod:`.shared`): the two
sides may then be in different processes. x86-64 and ARM64 with CPython both publish the slot before the
index here, because the index store is the last of separate interpreter operations on memory that both
processes map.
"""

from __future__ import annotations

import numpy as np

NOTE_OFF = 0
NOTE_ON = 1
ALL_OFF = 2
SWAP = 3  # in a :class:`PlayedRing` only: a slot took up a new take (``source``: the slot; ``stamp``: its serial)
# In a :class:`PlayedRing` only: a slot's gain, its mute or the master gain, as the callback applied it from the block
# at ``frame`` on (``source``: the slot, ``stamp``: the new value)
GAIN, MUTE, MASTER = 4, 5, 6
# In a :class:`PlayedRing` only: a core's first block (``frame`` 0: each audio process counts its stream's frames
# from 0; ``stamp``: its epoch, :data:`.shared.EPOCH`). What follows it was done by that process.
STREAM = 7

_FIELDS: tuple[tuple[str, type], ...] = (
    ("stamp", np.float64),  # time.perf_counter() when queued (CLOCK_MONOTONIC: comparable across processes)
    ("due", np.float64),  # time.perf_counter() at which the event should be heard at the output; 0: at once
    ("kind", np.int8),
    ("channel", np.int8),
    ("note", np.int8),
    ("velocity", np.int8),
    # the sending node's tag (see nodes/midi_sender.py; 0: none): a timed all-notes-off with one voids its own notes
    ("sender", np.int8),
)


class EventRing:
    """Fixed-size SPSC ring of (kind, channel, note, velocity, time, due) events; drops events when full.

    ``due`` (0: play at once) is when the event should reach the sound card's output, on the
    ``time.perf_counter()`` clock: the callback places it at its frame within a later block
    (:mod:`.schedule`), so a producer that schedules ahead is not subject to its own thread's jitter.
    """

    FIELDS: tuple[tuple[str, type], ...] = _FIELDS

    def __init__(self, capacity: int = 1024, buffer: np.ndarray | None = None) -> None:
        self.capacity = capacity
        memory = np.zeros(self.nbytes(capacity), np.uint8) if buffer is None else buffer
        if memory.nbytes < self.nbytes(capacity):
            raise ValueError(f"an event ring of {capacity} events needs {self.nbytes(capacity)} bytes")
        # indices first (8-byte aligned): write (producer), read (consumer), dropped (producer)
        self._index = memory[:24].view(np.int64)
        offset = 24
        for name, dtype in self.FIELDS:
            size = capacity * np.dtype(dtype).itemsize
            setattr(self, name, memory[offset: offset + size].view(dtype))
            offset += size
        self.stamp: np.ndarray
        self.due: np.ndarray
        self.kind: np.ndarray
        self.channel: np.ndarray
        self.note: np.ndarray
        self.velocity: np.ndarray
        self.sender: np.ndarray

    @classmethod
    def nbytes(cls, capacity: int) -> int:
        """Bytes a ring of ``capacity`` events takes in a shared buffer."""
        return 24 + capacity * sum(np.dtype(dtype).itemsize for _, dtype in cls.FIELDS)

    @property
    def write(self) -> int:
        """Events published so far (advanced by the producer only)."""
        return int(self._index[0])

    @property
    def read(self) -> int:
        """Events consumed so far (advanced by the consumer only)."""
        return int(self._index[1])

    @read.setter
    def read(self, value: int) -> None:
        self._index[1] = value

    @property
    def dropped(self) -> int:
        """Events refused because the ring was full."""
        return int(self._index[2])

    def push(self, kind: int, channel: int, note: int, velocity: int, stamp: float = 0.0, due: float = 0.0,
             sender: int = 0) -> bool:
        """Queue one event (producer side), from the node tagged ``sender`` (0: untagged). Returns False, counting a
        drop, when the ring is full."""
        w = int(self._index[0])
        if w - int(self._index[1]) >= self.capacity:
            self._index[2] += 1
            return False
        i = w % self.capacity
        self.kind[i] = kind
        self.channel[i] = channel
        self.note[i] = note
        self.velocity[i] = velocity
        self.stamp[i] = stamp
        self.due[i] = due
        self.sender[i] = sender
        self._index[0] = w + 1  # publish after the slot is filled
        return True

    def pending(self) -> int:
        return self.write - self.read


class PlayedRing(EventRing):
    """What the audio callback did with each event, at which frame of its stream: the callback is the producer,
    an observer (the show log's thread) the consumer. So a replay can start every note, release and take swap at
    the very frame the live stream did, whichever thread or port the event came through.

    ``frame``: the stream frame the event took effect at (a note-on's first sounding frame; a note-off's block
    start); ``source``: the ring the event came from (0: the node's ``midi`` input and ``note_on()``; 1, 2:
    the node's own MIDI ports, in the order configured), or for :data:`SWAP` the slot; ``stamp``: when the event
    was queued (``time.perf_counter()``), or for :data:`SWAP` the serial of the buffer taken up. When the
    consumer falls behind, new records are dropped (counted), never blocking the callback. ``sender``: the
    event's sender tag (0: untagged), which says whose notes a timed all-notes-off ended.
    """

    FIELDS = (
        ("frame", np.int64),
        ("stamp", np.float64),
        ("kind", np.int8),
        ("channel", np.int8),
        ("note", np.int8),
        ("velocity", np.int8),
        ("source", np.int8),
        ("sender", np.int8),
    )
    frame: np.ndarray
    source: np.ndarray

    def record(self, kind: int, channel: int, note: int, velocity: int, source: int, frame: int,
               stamp: float, sender: int = 0) -> None:
        """Producer side (the callback): note one event; nothing is waited for or allocated."""
        w = int(self._index[0])
        if w - int(self._index[1]) >= self.capacity:
            self._index[2] += 1
            return
        i = w % self.capacity
        self.kind[i] = kind
        self.channel[i] = channel
        self.note[i] = note
        self.velocity[i] = velocity
        self.source[i] = source
        self.frame[i] = frame
        self.stamp[i] = stamp
        self.sender[i] = sender
        self._index[0] = w + 1

    def take(self, limit: int = 4096) -> list[tuple[int, int, int, int, int, int, float]]:
        """Consumer side: the records not read yet, as (kind, channel, note, velocity, source, frame, stamp)."""
        return [record[:7] for record in self.take_tagged(limit)]

    def take_tagged(self, limit: int = 4096) -> list[tuple[int, int, int, int, int, int, float, int]]:
        """As :meth:`take`, each record with its sender tag last."""
        r, w = self.read, self.write
        w = min(w, r + limit)
        out = []
        for n in range(r, w):
            i = n % self.capacity
            out.append((int(self.kind[i]), int(self.channel[i]), int(self.note[i]), int(self.velocity[i]),
                        int(self.source[i]), int(self.frame[i]), float(self.stamp[i]), int(self.sender[i])))
        self.read = w
        return out
