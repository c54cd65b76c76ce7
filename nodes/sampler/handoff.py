"""Takes handed to the audio process in shared memory.

The node's thread writes a take once, already in the form the callback reads (float32, NaN and infinity
zeroed, :data:`.prepare.GUARD` zeros after it), and the audio process reads those very pages: it copies
nothing, so taking up a 10 s take costs it microseconds instead of megabytes of copying at its realtime
priority (where it preempted the classifier).

Takes go into an :class:`Arena`: one anonymous file (``memfd``) that both processes map once, its pages
faulted in at start. Fresh memory is what costs here: faulting pages in takes far longer than copying into
memory already mapped. The node allocates a block per take; the audio process says
when the callback has let go of one (``("freed", offset)``). When the arena is full (long takes, many slots),
a take gets a file of its own instead, passed over the Unix socket (``SCM_RIGHTS``): slower, never lost.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle

import numpy as np

from exsampling_patch.nodes.sampler.prepare import GUARD, fill_guarded
from exsampling_patch.shared_memory import anonymous_file, map_shared


def _read_only(fd: int, nbytes: int) -> np.ndarray:
    """``nbytes`` of the file ``fd`` mapped read-only as float32 (the array keeps the mapping alive)."""
    return np.frombuffer(map_shared(fd, nbytes, read_only=True), np.float32)


class Arena:
    """Shared memory for takes, mapped and faulted in once; blocks of float32 allocated first-fit.

    The node's side writes (:meth:`write`) and frees (:meth:`release`); :meth:`attach` maps the same file
    read-only in the audio process. Offsets and lengths are in float32 samples. Thread-safe.
    """

    def __init__(self, nbytes: int) -> None:
        self.capacity = nbytes // 4
        self.fd = anonymous_file(self.capacity * 4, "exsampling-take")
        self._mapping = map_shared(self.fd, self.capacity * 4)
        self.floats = np.frombuffer(self._mapping, np.float32)
        self._lock = threading.Lock()
        # (offset, length), by offset, never adjacent. The first GUARD samples are never handed out: they stay
        # zero, and the audio core's idle voices read there (the arena is its pool, .core).
        self._free: list[tuple[int, int]] = [(GUARD, self.capacity - GUARD)]
        self._used: dict[int, int] = {}  # offset -> length

    @staticmethod
    def attach(fd: int, nbytes: int) -> np.ndarray:
        """The arena another process made, read-only, as float32 (``fd`` stays open: it may be needed again)."""
        return _read_only(fd, nbytes)

    @property
    def used(self) -> int:
        """Samples now allocated."""
        with self._lock:
            return sum(self._used.values())

    def write(self, samples: np.ndarray) -> int | None:
        """Copy ``samples`` (plus the guard) into a new block; its offset, or None when none is free that big."""
        length = int(samples.size) + GUARD
        with self._lock:
            for i, (offset, free) in enumerate(self._free):
                if free >= length:
                    self._free[i:i + 1] = [(offset + length, free - length)] if free > length else []
                    self._used[offset] = length
                    break
            else:
                return None
        fill_guarded(self.floats[offset:offset + length], samples)
        return offset

    def release(self, offset: int) -> None:
        """Give a block back (unknown offsets are ignored: a restarted process may report old ones)."""
        with self._lock:
            length = self._used.pop(offset, None)
            if length is None:
                return
            i = bisect.bisect(self._free, (offset, 0))
            start, end = offset, offset + length
            if i < len(self._free) and self._free[i][0] == end:  # merge with the block after
                end += self._free.pop(i)[1]
            if i > 0 and sum(self._free[i - 1]) == start:  # and the one before
                start = self._free.pop(i - 1)[0]
                i -= 1
            self._free.insert(i, (start, end - start))

    def reset(self) -> None:
        """Free every block (the process that read them is gone)."""
        with self._lock:
            self._free, self._used = [(GUARD, self.capacity - GUARD)], {}

    def close(self) -> None:
        """Close the file (again: nothing). Its number is forgotten: a second close closed whatever descriptor
        had taken that number meanwhile (a socket, another take's file)."""
        fd, self.fd = self.fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def share_samples(samples: np.ndarray) -> int:
    """A new anonymous file holding ``samples`` as the callback reads them; returns its descriptor
    (the caller closes it once sent)."""
    size = (int(samples.size) + GUARD) * 4
    fd = anonymous_file(size, "exsampling-take")
    try:
        with map_shared(fd, size) as mapping:
            data = np.frombuffer(mapping, np.float32)
            fill_guarded(data, samples)
            del data  # the mapping cannot close while an array looks into it
    except BaseException:
        os.close(fd)
        raise
    return fd


def map_samples(fd: int, frames: int) -> np.ndarray:
    """The read-only ``frames + GUARD`` samples of a file made by :func:`share_samples` (closes ``fd``)."""
    try:
        return _read_only(fd, (frames + GUARD) * 4)
    finally:
        os.close(fd)


class SamplesNotShared(Exception):
    """A take's samples could not be put in a file of their own (the system refused it: out of memory or
    descriptors, over a size limit), or its message could not be sent (it does not pickle). Raised before anything
    about the take is sent: the audio process, told nothing, waits for no file; an arena block taken for it is
    given back."""


def shared_or_refused(samples: np.ndarray) -> int:
    """:func:`share_samples`, its OSError raised as :class:`SamplesNotShared` ("could not share its samples: ...")."""
    try:
        return share_samples(samples)
    except OSError as error:
        raise SamplesNotShared(f"could not share its samples: {error}") from error


def send_file(connection: Connection, fd: int, process_id: int) -> None:
    """Pass the file ``fd`` (from :func:`share_samples`) over ``connection``, and close it here; raises OSError
    when the other end has gone."""
    try:
        send_handle(connection, fd, process_id)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)

