"""The state the sampler node and its audio callback share, laid out in one block of memory.

Controls flow one way (node -> callback: slot gains, mutes, master gain, the patch's note ring) and
meters the other (callback -> node: levels, voices, the take each slot sounds, counters, callback
timings). Every array has one writer, so no side ever locks or waits.

The block is a plain numpy buffer when the callback runs in the node's process, or a memory-mapped
anonymous file (``memfd``) when it runs in the audio process (:mod:`.server`): the file descriptor is
handed to that process, which maps the same pages (:meth:`SharedState.attach`).
"""

from __future__ import annotations

import errno
import mmap
import os
import resource

import numpy as np

from exsampling_patch.nodes.sampler.ring import EventRing, PlayedRing
from exsampling_patch.shared_memory import anonymous_file, map_shared

TIMING_SLOTS = 8192  # callback durations and note waits kept for observers and benchmarks
XRUN_SLOTS = 256  # times of the latest xruns kept
RING_CAPACITY = 1024
PLAYED_CAPACITY = 4096  # what the callback played, for the show log (read every 50 ms)

# indices into SharedState.counters
# (EPOCH: the audio processes started before the one now running, set by the node before it starts one;
# XRUNS_NOTED: the xruns whose stream frame the callback has written in ``xrun_frame``; LATE_DROPPED: timed
# note-ons so late that they were dropped rather than played at once; UNSTARTED_DROPPED: note-ons the node emptied
# from the ring when it started an audio process, and untimed ones a stream's first block found stale: they came
# while none ran)
CALLBACKS, XRUNS, NOTES_STARTED, STEALS, LATE_EVENTS, EPOCH, XRUNS_NOTED, LATE_DROPPED, UNSTARTED_DROPPED = range(9)
# indices into SharedState.clock (float64): the callback's estimate of when its last block began (filtered,
# time.perf_counter()), the stream's frames rendered before it, the output latency the stream reports, and the
# frames of the last block (the stream's block size, as the callback sees it)
BLOCK_TIME, BLOCK_FRAME, OUTPUT_LATENCY, BLOCK_FRAMES = range(4)


def _layout(slots: int) -> list[tuple[str, type, int]]:
    """(name, dtype, count) of every array, largest alignment first."""
    return [
        ("counters", np.int64, 9),
        ("loaded_serial", np.int64, slots),  # callback: serial of the buffer each slot now sounds
        ("notes_in", np.int64, slots),  # callback: note-ons that reached each slot (MIDI activity, even when empty)
        ("cb_seconds", np.float64, TIMING_SLOTS),  # callback durations, ring indexed by callbacks
        ("note_wait", np.float64, TIMING_SLOTS),  # note queued -> rendered, seconds
        ("xrun_frame", np.int64, XRUN_SLOTS),  # callback: stream frame of the block each xrun was seen at, a ring
        ("clock", np.float64, 4),  # callback -> observers: BLOCK_TIME, BLOCK_FRAME; stream: OUTPUT_LATENCY
        ("xrun_at", np.float64, XRUN_SLOTS),  # time.monotonic() of the callback that reported each xrun, a ring
        ("gain", np.float32, slots),
        ("master", np.float32, 1),
        ("levels", np.float32, slots),  # callback: peak of each slot's last block
        ("voices_active", np.int32, slots),
        ("mute", np.bool_, slots),
    ]


def state_nbytes(slots: int) -> int:
    """Bytes of a shared state for ``slots`` slots."""
    arrays = sum(np.dtype(dtype).itemsize * count for _, dtype, count in _layout(slots))
    return _aligned(arrays) + _aligned(EventRing.nbytes(RING_CAPACITY)) + PlayedRing.nbytes(PLAYED_CAPACITY)


def _aligned(n: int) -> int:
    return (n + 63) // 64 * 64


class SharedState:
    """Arrays over one buffer: see the module docstring. Build with :meth:`local`, :meth:`create` or
    :meth:`attach`."""

    counters: np.ndarray
    loaded_serial: np.ndarray
    notes_in: np.ndarray
    cb_seconds: np.ndarray
    note_wait: np.ndarray
    clock: np.ndarray
    xrun_at: np.ndarray
    xrun_frame: np.ndarray
    gain: np.ndarray
    master: np.ndarray
    levels: np.ndarray
    voices_active: np.ndarray
    mute: np.ndarray

    def __init__(self, slots: int, memory: np.ndarray, fd: int = -1, mapping: mmap.mmap | None = None) -> None:
        self.slots, self.fd, self._mapping = slots, fd, mapping
        offset = 0
        for name, dtype, count in _layout(slots):
            size = np.dtype(dtype).itemsize * count
            setattr(self, name, memory[offset: offset + size].view(dtype))
            offset += size
        offset = _aligned(offset)
        self.ring = EventRing(RING_CAPACITY, memory[offset: offset + EventRing.nbytes(RING_CAPACITY)])
        offset += _aligned(EventRing.nbytes(RING_CAPACITY))
        #: callback -> the show log: each event the callback applied, and each take swap, at its stream frame
        self.played = PlayedRing(PLAYED_CAPACITY, memory[offset: offset + PlayedRing.nbytes(PLAYED_CAPACITY)])

    @classmethod
    def local(cls, slots: int) -> SharedState:
        """A state in this process's memory (the callback runs here), with unit gains."""
        state = cls(slots, np.zeros(state_nbytes(slots), np.uint8))
        state.gain[:] = 1.0
        state.master[0] = 1.0
        return state

    @classmethod
    def create(cls, slots: int) -> SharedState:
        """A state in an anonymous shared file, with unit gains; pass ``state.fd`` to the other process. Raises
        :class:`StateRefused` where the system refuses the file or its mapping."""
        size = state_nbytes(slots)
        try:
            fd = anonymous_file(size, "exsampling-sampler")
        except OSError as error:
            raise StateRefused(_refused_text(size, error)) from error
        try:
            state = cls._map(slots, fd)
        except OSError as error:
            os.close(fd)
            raise StateRefused(_refused_text(size, error)) from error
        state.gain[:] = 1.0
        state.master[0] = 1.0
        return state

    @classmethod
    def attach(cls, slots: int, fd: int) -> SharedState:
        """The state another process created, from its file descriptor (inherited by this process)."""
        return cls._map(slots, fd)

    @classmethod
    def _map(cls, slots: int, fd: int) -> SharedState:
        size = state_nbytes(slots)
        if os.fstat(fd).st_size < size:
            raise ValueError(f"shared sampler state is {os.fstat(fd).st_size} bytes, {size} expected")
        mapping = map_shared(fd, size, populate=False)
        return cls(slots, np.frombuffer(mapping, np.uint8), fd, mapping)

    def close(self) -> None:
        """Close the file descriptor (the mapping goes when the arrays do)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    # -- counters, by name -------------------------------------------------------------------------------------

    @property
    def callbacks(self) -> int:
        return int(self.counters[CALLBACKS])

    @property
    def xruns(self) -> int:
        return int(self.counters[XRUNS])

    @property
    def epoch(self) -> int:
        """The audio processes started before the one now running (0 in the node's process): each counts its
        stream's frames from 0."""
        return int(self.counters[EPOCH])

    @property
    def notes_started(self) -> int:
        return int(self.counters[NOTES_STARTED])

    @property
    def steals(self) -> int:
        return int(self.counters[STEALS])

    @property
    def late_events(self) -> int:
        """Timed events that reached the callback after their time had passed (played at once)."""
        return int(self.counters[LATE_EVENTS])

    @property
    def late_dropped(self) -> int:
        """Timed note-ons that reached the callback so late that playing them at once would have stacked them on
        later ones (a stream that opened after they were due, a stall): dropped (see .schedule.LATE_PLAY_SECONDS)."""
        return int(self.counters[LATE_DROPPED])

    @property
    def unstarted_dropped(self) -> int:
        """Note-ons that came while no audio process ran (it was starting, or restarting after it died), emptied
        unplayed from the ring when the next one started (see .host.AudioProcess), or dropped by the stream's first
        block (see .core.SamplerCore.stream_starts)."""
        return int(self.counters[UNSTARTED_DROPPED])

    @property
    def output_latency(self) -> float:
        """Seconds from a block's start in the callback to its sound at the output, as the stream reports."""
        return float(self.clock[OUTPUT_LATENCY])

    def xrun_times(self, since: int = 0) -> np.ndarray:
        """``time.monotonic()`` of the callbacks that reported xruns number ``since`` onwards (the latest
        :data:`XRUN_SLOTS` at most), oldest first."""
        return _ring_entries(self.xrun_at, self.xruns, since)

    def xrun_frames(self, since: int = 0) -> np.ndarray:
        """The stream frame of the block at which the callback saw each xrun number ``since`` onwards, of those it
        has noted (the latest :data:`XRUN_SLOTS` at most), oldest first."""
        return _ring_entries(self.xrun_frame, int(self.counters[XRUNS_NOTED]), since)

    def recent_callback_seconds(self) -> np.ndarray:
        """Durations of the most recent callbacks (up to :data:`TIMING_SLOTS`), oldest first."""
        return _ring_entries(self.cb_seconds, self.callbacks)


class StateRefused(OSError):
    """The system refused the memory the sampler shares with its audio process (:meth:`SharedState.create`): said in
    words, with what to do. The console said only "error in node 'sampler' in start(): File too large"."""


def _refused_text(nbytes: int, error: OSError) -> str:
    """Why the shared state of ``nbytes`` could not be made (``error``, the system's refusal), and what to do."""
    what = f"could not make the {nbytes / 1e6:.2f} MB of memory the sampler shares with its audio process"
    in_process = "or set the sampler's audio_process to false (its audio then runs in the patch's own process)"
    if error.errno == errno.EFBIG:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        told = "" if limit == resource.RLIM_INFINITY else f" ({limit / 1e3:.0f} kB)"
        return (f"{what}: the file size limit of this run{told} is below it; raise it (`ulimit -f unlimited` in the "
                f"shell that starts the patch: the takes it loads need far more), {in_process}")
    if error.errno in (errno.ENOSPC, errno.ENOMEM):
        return (f"{what}: no room is left (the memory is short, or /dev/shm is full); free some (close other "
                f"programs, delete what fills /dev/shm, give other samplers fewer or shorter slots), {in_process}")
    if error.errno in (errno.EMFILE, errno.ENFILE):
        return (f"{what}: too many files are open (the limit: `ulimit -n`); raise it in the shell that starts the "
                f"patch, {in_process}")
    return f"{what}: {error.strerror or error}; {in_process}"


def _ring_entries(ring: np.ndarray, written: int, since: int = 0) -> np.ndarray:
    """A copy of entries ``since`` .. ``written - 1`` of a ring indexed by count (the latest ``ring.size`` at most),
    oldest first."""
    first = max(since, written - ring.size)
    return ring[np.arange(first, written) % ring.size]
