"""The taker of a take folder's late takes: a take a node stores after its stop, handed on to the node of its kind
started since on the same folder.

A node started on a take folder while the one it replaced (a live edit rebuilt it; the editor's Stop, then Run) still
stores takes there lists the folder's unfinished takes before those are there: they would wait on disk for the start
after, if any. The running node registers as its folder's taker instead, and each take stored late is handed to it.
One :class:`LateTakers` a kind of node (:mod:`.microphone_late`, :mod:`.web_recorder.late`): a recorder's take is not
a microphone's, even on the same folder.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["LateTakers"]

#: What a take is handed on with besides its stored audio (a microphone's take id, a recorder's sidecar data).
A = TypeVar("A")


class LateTakers(Generic[A]):
    """Take folder (resolved) -> the running node's taker of late takes (the stored audio, the take's ``A``).

    Each folder has a lock of its own, held while calling out (the start's listing, a taker): one lock for the kind
    held a recorder's hand-on of a take stored late in one folder until another folder's start had read its disk (its
    journal, each sidecar, each audio's header)."""

    def __init__(self) -> None:
        self._takers: dict[Path, Callable[[Path, A], None]] = {}
        # Folder -> its lock and how many calls hold or wait on it: dropped once none does and no taker runs there
        # (kept, web_recorder.late's key of every run and recorder, by the run's id, stayed for the process's life);
        # never while one does, so that one folder never has two locks
        self._folders: dict[Path, tuple[threading.Lock, int]] = {}
        self._lock = threading.Lock()  # the two tables only: never held while calling out

    @contextlib.contextmanager
    def _held(self, folder: Path) -> Iterator[Path]:
        """``folder`` resolved, its lock held for the block."""
        key = folder.resolve()
        with self._lock:
            lock, users = self._folders.get(key, (None, 0))
            lock = lock or threading.Lock()
            self._folders[key] = (lock, users + 1)
        try:
            with lock:
                yield key
        finally:
            with self._lock:
                users = self._folders[key][1] - 1
                if users or key in self._takers:
                    self._folders[key] = (lock, users)
                else:
                    del self._folders[key]

    @contextlib.contextmanager
    def listing(self, folder: Path, take: Callable[[Path, A], None]) -> Iterator[None]:
        """Make ``take`` the taker of ``folder``'s late takes, the block (the start's listing of the folder's unfinished
        takes) holding hand-ons to that folder off: a take stored late is in that list or handed to ``take``, never
        neither."""
        with self._held(folder) as key:
            with self._lock:
                self._takers[key] = take
            yield

    def leave(self, folder: Path, take: Callable[[Path, A], None]) -> None:
        """``take`` takes no more late takes of ``folder`` (its node stops); one being handed to it is first."""
        with self._held(folder) as key, self._lock:
            if self._takers.get(key) == take:  # a bound method: equal, not the same object
                del self._takers[key]

    def hand_on(self, folder: Path, audio: Path, about: A, otherwise: Callable[[], None] | None = None) -> bool:
        """Hand a take stored late in ``folder`` (``audio``, and ``about`` it) to the node running on it; False: none
        runs there (the take waits on disk for the next start). ``otherwise`` is called where none runs, under the
        folder's lock: what it keeps for the next :meth:`listing` of the folder is there when that listing ends,
        never kept just after it (the take then waited for the start after)."""
        with self._held(folder) as key:
            with self._lock:
                take = self._takers.get(key)
            if take is None:
                if otherwise is not None:
                    otherwise()
                return False
            take(audio, about)
            return True
