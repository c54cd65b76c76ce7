"""The microphone's take folder's disk, watched, and the takes it could not store kept in memory until there is room.

A take whose storing failed (its disk full mid-show) was told "it is lost" and dropped: a microphone's take has no
phone to send it again, so the sound was gone. Now it is kept in memory, up to ``held_mb`` in all, and stored once
it can be (tried at each new take and every :data:`RETRY_SECONDS`), then passed on: told as stored late. One that
does not fit in ``held_mb``, or is still kept when the run ends, is lost, told with why and given its end (the run's
summary counts it). The disk's free space is watched as the web recorder's is
(:class:`~exsampling_patch.nodes.disk_space.FreeSpaceWatch`): told once each time it falls under ``warn_free_mb`` and
under ``min_free_mb``; under ``min_free_mb`` a take is kept in memory without a try at storing it, as the web recorder
refuses its uploads there.
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
    take that is lost its end (the node's ``tell_fate_of``). Called from take assembly and, at the end, the stop.
    """

    def __init__(self, folder: Path, warn_mb: float, min_mb: float, held_mb: float, write: Callable[[Take], Take],
                 error: Callable[[str], None], status: Callable[..., Any], lost: Callable[[str, str], None]) -> None:
        self.folder = folder
        self.warn_mb, self.min_mb, self.budget = warn_mb, min_mb, int(held_mb * 1e6)
        self._write, self._error, self._status, self._lost = write, error, status, lost
        self._lock = threading.Lock()
        self._held: deque[_Held] = deque()
        self._bytes = 0
        self._space = FreeSpaceWatch(folder, warn_mb, min_mb, error, status, self._filling, self._full)
        self._next_try = 0.0
        #: Ids of the takes told lost here: never stored, so never written down as done (see Microphone.take_ended).
        self.lost_ids: set[str] = set()

    @property
    def held(self) -> int:
        return len(self._held)

    def due(self) -> bool:
        """Whether takes are kept in memory and it is time to try them again (:meth:`retry`)."""
        return bool(self._held) and time.monotonic() >= self._next_try

    def watch(self) -> str:
        """Tell a filling disk (once each time it falls under ``warn_mb``) and a full one (under ``min_mb``, once each
        time); why no take is stored now ('' where there is room)."""
        free = self._space.look()
        return f"the disk is full, {_mb(free)} free" if self._space.full else ""

    def _filling(self, free: int) -> str:
        return (f"the take folder's disk is filling up: {_mb(free)} free; below {self.min_mb:g} MB takes are kept in "
                f"memory, not stored ({self.folder})")

    def _full(self, free: int) -> str:
        return (f"the take folder's disk is full: {_mb(free)} free, under {self.min_mb:g} MB: takes are kept in memory "
                f"(up to {self.budget / 1e6:g} MB) and stored once there is room: make room ({self.folder})")

    def store(self, take: Take) -> tuple[list[Take], Take | None]:
        """Store the takes kept in memory that can be now, then ``take``: those stored late (oldest first), and
        ``take`` stored, or None where it is kept in memory or lost (told)."""
        with self._lock:
            late, why, failed = self._store_held()
            if not why:
                why = self.watch()
            if not why:
                try:
                    return late, self._write(take)
                except OSError as error:
                    why, failed = str(error.strerror or error), True
            kept, text = self._keep(take, why)
            about = f"take {take.take_id} ({take.duration:.2f} s)"
            if failed:  # a write that failed: told per take, as before
                self._error(f"{about} could not be stored in {self.folder}: {why}; {text}")
            elif kept:  # a disk told full once: each take kept is a warning line
                self._status(warning=f"{about} was not stored ({why}): {text}")
            else:
                self._error(f"{about} was not stored ({why}): {text}")
            return late, None

    def retry(self) -> list[Take]:
        """The takes kept in memory that could be stored now, oldest first."""
        with self._lock:
            self._next_try = time.monotonic() + RETRY_SECONDS
            return self._store_held()[0]

    def end(self) -> list[Take]:
        """The run is over: the takes kept in memory are stored if they can be (returned: the next start passes them
        on), else lost, each told and given its end."""
        with self._lock:
            stored = self._store_held()[0]
            left, self._held, self._bytes = list(self._held), deque(), 0
        if left:
            ids = ", ".join(held.take.take_id for held in left)
            many = len(left) > 1
            self._error(f"{len(left)} take{'s' if many else ''} kept in memory {'were' if many else 'was'} lost as the "
                        f"microphone stopped: not stored ({left[-1].why}): {ids}")
        for held in left:
            self._lose(held.take, f"not stored ({held.why}); kept in memory, lost as the microphone stopped")
        if left or stored:
            self._status(held_takes=0)
        return stored

    def _keep(self, take: Take, why: str) -> tuple[bool, str]:
        """Keep ``take`` in memory if it fits in the budget, else lose it (its end told); whether it was kept, and the
        end of the line that tells it."""
        size = int(take.samples.nbytes)
        if self._bytes + size > self.budget:
            room = (f"the takes kept in memory ({len(self._held)}, {_mb(self._bytes)}) leave no room for it in held_mb "
                    f"({self.budget / 1e6:g} MB)")
            self._lose(take, f"not stored ({why}), and {room}")
            return False, f"it is lost: {room}"
        self._held.append(_Held(take, why, time.monotonic()))
        self._bytes += size
        self._next_try = time.monotonic() + RETRY_SECONDS
        self._status(held_takes=len(self._held))
        return True, (f"kept in memory until it can be ({len(self._held)} take{'s' if len(self._held) > 1 else ''}, "
                      f"{_mb(self._bytes)} of {self.budget / 1e6:g} MB)")

    def _lose(self, take: Take, reason: str) -> None:
        self.lost_ids.add(take.take_id)
        self._lost(take.take_id, f"take lost: {reason}")

    def _store_held(self) -> tuple[list[Take], str, bool]:
        """Store the takes kept in memory, oldest first, while they can be: those stored, why the rest are not ('' where
        none is left), and whether that is a write that failed (not a disk found full)."""
        stored: list[Take] = []
        why, failed = "", False
        oldest = self._held[0].since if self._held else 0.0
        while self._held:
            why = self.watch()
            if why:
                break
            held = self._held[0]
            try:
                stored.append(self._write(held.take))
            except OSError as error:
                why, failed = str(error.strerror or error), True
                break
            self._held.popleft()
            self._bytes -= held.nbytes
        for held in self._held:
            held.why = why or held.why
        if stored:
            count = len(stored)
            self._status(held_takes=len(self._held), warning=(
                f"{count} take{'s' if count > 1 else ''} kept in memory while {'they' if count > 1 else 'it'} could "
                f"not be stored {'are' if count > 1 else 'is'} stored now, the oldest "
                f"{time.monotonic() - oldest:.0f} s late: " + ", ".join(take.take_id for take in stored)
                + (f" ({len(self._held)} still kept: {why})" if self._held else "")))
        return stored, why, failed
