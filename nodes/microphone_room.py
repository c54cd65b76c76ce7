"""The microphone's take folder's disk, watched, and the takes it could not store kept in memory until there is room.

A take whose storing failed (its disk full mid-show) was told "it is lost" and dropped: a microphone's take has no
phone to send it again, so the sound was gone. Now it is kept in memory, up to ``held_mb`` in all, and stored once
it can be (tried at each new take and every :data:`RETRY_SECONDS`), then passed on: told as stored late. One whose
write failed that does not fit in ``held_mb``, or is still kept when the run ends and fails its last write then, is
lost, told with why and given its end (the run's summary counts it).

Only a write that really fails keeps a take in memory: each take, and each kept one, is written whatever the disk's
free space. That is watched as the web recorder's is (:class:`~exsampling_patch.nodes.disk_space.FreeSpaceWatch`),
but only to tell the performer, in a warning line once each time it falls under ``warn_free_mb`` and under
``min_free_mb``. Kept in memory under ``min_free_mb`` without a try at writing, as the web recorder refuses its uploads
there, takes a disk of 150 MB free could hold were never written, and all were lost at the stop: a phone sends its
take again, memory is a microphone's only other place.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Take
from exsampling_patch.nodes.disk_space import FreeSpaceWatch
from exsampling_patch.wording import counted

#: How often the takes kept in memory are tried again while no new take comes.
RETRY_SECONDS = 1.0


@dataclass
class _Held:
    take: Take
    why: str  # why it was not stored, as last found
    since: float  # time.monotonic() when it was kept

    @property
    def nbytes(self) -> int:
        return int(self.take.samples.nbytes)


def _mb(count: float) -> str:
    return f"{count / 1e6:.1f} MB" if count < 10e6 else f"{count / 1e6:.0f} MB"


class TakeRoom:
    """Stores the microphone's takes through ``write`` (its take store's), or keeps them in memory while it cannot.

    ``error`` and ``status`` are the node's ``report_error`` and ``report_status``; ``lost(take_id, reason)`` gives a
    take that is lost its end (the node's ``tell_fate_of``); ``shown``: the warning the node's line shows
    (:class:`FreeSpaceWatch`). Called from take assembly and, at the end, the stop.
    """

    def __init__(self, folder: Path, warn_mb: float, min_mb: float, held_mb: float, write: Callable[[Take], Take],
                 error: Callable[[str], None], status: Callable[..., Any], lost: Callable[[str, str], None],
                 shown: Callable[[], str] | None = None) -> None:
        self.folder = folder
        self.warn_mb, self.min_mb, self.budget = warn_mb, min_mb, int(held_mb * 1e6)
        self._write, self._error, self._status, self._lost = write, error, status, lost
        self._lock = threading.Lock()
        self._held: deque[_Held] = deque()
        self._bytes = 0
        self._space = FreeSpaceWatch(folder, warn_mb, min_mb, self._warn, status, self._filling, self._full,
                                     shown=shown)
        self._next_try = 0.0
        #: Ids of the takes told lost here: never stored, so never written down as done (see Microphone.take_ended).
        self.lost_ids: set[str] = set()

    @property
    def held(self) -> int:
        return len(self._held)

    def due(self) -> bool:
        """Whether takes are kept in memory and it is time to try them again (:meth:`retry`)."""
        return bool(self._held) and time.monotonic() >= self._next_try

    def watch(self) -> None:
        """Tell a filling disk (once each time it falls under ``warn_mb``) and a nearly full one (under ``min_mb``,
        once each time): warning lines, as takes are still written while they fit (a failed write is the error)."""
        self._space.look()

    def _warn(self, line: str) -> None:
        self._status(warning=line)

    def _filling(self, free: int) -> str:
        return f"the take folder's disk is filling up: {_mb(free)} free ({self.folder})"

    def _full(self, free: int) -> str:
        return (f"the take folder's disk is nearly full: {_mb(free)} free, under {self.min_mb:g} MB: takes are still "
                f"stored while they fit; one that cannot be is kept in memory (up to {self.budget / 1e6:g} MB) until "
                f"there is room: make room ({self.folder})")

    def store(self, take: Take) -> tuple[list[Take], Take | None]:
        """Store the takes kept in memory that can be now, then ``take``: those stored late (oldest first), and
        ``take`` stored, or None where its write failed and it is kept in memory or lost (told)."""
        with self._lock:
            self.watch()
            late = self._store_held()
            try:  # tried even where a kept take's write just failed: it may fit where a longer one did not
                return late, self._write(take)
            except OSError as error:
                why = str(error.strerror or error)
            text = self._keep(take, why)
            self._error(f"take {take.take_id} ({take.duration:.2f} s) could not be stored in {self.folder}: {why}; "
                        f"{text}")
            return late, None

    def retry(self) -> list[Take]:
        """The takes kept in memory that could be stored now, oldest first."""
        with self._lock:
            self._next_try = time.monotonic() + RETRY_SECONDS
            self.watch()
            return self._store_held()

    def end(self) -> list[Take]:
        """The run is over: the takes kept in memory are written once more, stored if they can be (returned: the next
        start passes them on), else lost, each told (the last write's failure) and given its end."""
        with self._lock:
            stored = self._store_held()
            left, self._held, self._bytes = list(self._held), deque(), 0
        if left:
            ids = ", ".join(held.take.take_id for held in left)
            many = len(left) > 1
            self._error(f"{counted(len(left), 'take')} kept in memory {'were' if many else 'was'} lost as the "
                        f"microphone stopped: not stored ({left[-1].why}): {ids}")
        for held in left:
            self._lose(held.take, f"not stored ({held.why}); kept in memory, lost as the microphone stopped")
        if left or stored:
            self._status(held_takes=0)
        return stored

    def _keep(self, take: Take, why: str) -> str:
        """Keep ``take`` in memory if it fits in the budget, else lose it (its end told); the end of the line that
        tells which."""
        size = int(take.samples.nbytes)
        if self._bytes + size > self.budget:
            room = (f"the takes kept in memory ({len(self._held)}, {_mb(self._bytes)}) leave no room for it in held_mb "
                    f"({self.budget / 1e6:g} MB)")
            self._lose(take, f"not stored ({why}), and {room}")
            return f"it is lost: {room}"
        self._held.append(_Held(take, why, time.monotonic()))
        self._bytes += size
        self._next_try = time.monotonic() + RETRY_SECONDS
        self._status(held_takes=len(self._held))
        return (f"kept in memory until it can be ({counted(len(self._held), 'take')}, "
                      f"{_mb(self._bytes)} of {self.budget / 1e6:g} MB)")

    def _lose(self, take: Take, reason: str) -> None:
        self.lost_ids.add(take.take_id)
        self._lost(take.take_id, f"take lost: {reason}")

    def _store_held(self) -> list[Take]:
        """Write the takes kept in memory, oldest first, until a write fails (the rest keep its reason): those
        stored."""
        stored: list[Take] = []
        why = ""
        oldest = self._held[0].since if self._held else 0.0
        while self._held:
            held = self._held[0]
            try:
                stored.append(self._write(held.take))
            except OSError as error:
                why = str(error.strerror or error)
                break
            self._held.popleft()
            self._bytes -= held.nbytes
        for held in self._held:
            held.why = why or held.why
        if stored:
            count = len(stored)
            self._status(held_takes=len(self._held), warning=(
                f"{counted(count, 'take')} kept in memory while {'they' if count > 1 else 'it'} could "
                f"not be stored {'are' if count > 1 else 'is'} stored now, the oldest "
                f"{time.monotonic() - oldest:.0f} s late: " + ", ".join(take.take_id for take in stored)
                + (f" ({len(self._held)} still kept: {why})" if self._held else "")))
        return stored
