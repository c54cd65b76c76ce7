"""A take a microphone stores after its stop, handed on to the microphone started since on the same take folder.

Take assembly that outlives the stop's join of it (a take stored on a slow disk, the cut at the stop included) stores
its takes after that stop, and so do the stop's last writes of the takes kept in memory while the disk was full, when
assembly ran past the join: the node's pass-on gate is closed, and each is left on disk, not done, for the next start.
A microphone started on the same folder meanwhile (a live edit rebuilt it; the editor's Stop, then Run) had listed the
folder's unfinished takes before those were there: they waited for the start after, if any, their ends untold in the
show. They are now handed on to the microphone running on that folder, which passes them on as ones found at its
start. As the web recorder's (:mod:`.web_recorder.late`), kept apart: a recorder's take is not a microphone's.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["hand_on", "leave", "listing"]

#: Take folder (resolved) -> the running microphone's taker of late takes (the stored audio, the take's id).
Taker = Callable[[Path, str], None]
_TAKERS: dict[Path, Taker] = {}
_LOCK = threading.Lock()


@contextlib.contextmanager
def listing(folder: Path, take: Taker) -> Iterator[None]:
    """Make ``take`` the taker of ``folder``'s late takes, the block (the start's listing of the folder's unfinished
    takes) holding hand-ons off: a take stored late is in that list or handed to ``take``, never neither."""
    with _LOCK:
        _TAKERS[folder.resolve()] = take
        yield


def leave(folder: Path, take: Taker) -> None:
    """``take`` takes no more late takes of ``folder`` (its microphone stops)."""
    with _LOCK:
        if _TAKERS.get(folder.resolve()) == take:  # a bound method: equal, not the same object
            del _TAKERS[folder.resolve()]


def hand_on(folder: Path, audio: Path, take_id: str) -> bool:
    """Hand take ``take_id``, stored late in ``folder`` (``audio``), to the microphone running on it; False: none runs
    there (the take waits on disk for the next start)."""
    with _LOCK:
        take = _TAKERS.get(folder.resolve())
        if take is None:
            return False
        take(audio, take_id)
        return True
