"""A take a web recorder stores after its stop, handed on to the recorder started since on the same take folder.

A request the recorder's stop gave up waiting for (``STOP_WAIT``: a disk slow to take the write) stores its take after
that stop: the node's pass-on gate is closed, and the take is left on disk, not done, for the next start. A recorder
started on the same folder meanwhile (a live edit rebuilt it; the editor's Stop, then Run) had listed the folder's
unfinished takes before that take was there: the take stayed on disk, its phone told it was received, passed on only
at the start after, if any. It is now handed on to the recorder running on that folder, which passes it on as one it
had found at its start.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: Take folder (resolved) -> the running recorder's taker of late takes (the stored audio, its sidecar's data).
Taker = Callable[[Path, dict[str, Any]], None]
_TAKERS: dict[Path, Taker] = {}
_LOCK = threading.Lock()


@contextlib.contextmanager
def listing(folder: Path, take: Taker) -> Iterator[None]:
    """Make ``take`` the taker of ``folder``'s late takes, the block (the recorder's listing of the folder's unfinished
    takes) holding hand-ons off: a take stored late is in that list or handed to ``take``, never neither."""
    with _LOCK:
        _TAKERS[folder.resolve()] = take
        yield


def leave(folder: Path, take: Taker) -> None:
    """``take`` takes no more late takes of ``folder`` (its recorder stops)."""
    with _LOCK:
        if _TAKERS.get(folder.resolve()) == take:  # a bound method: equal, not the same object
            del _TAKERS[folder.resolve()]


def hand_on(folder: Path, audio: Path, data: dict[str, Any]) -> bool:
    """Hand a take stored late in ``folder`` (``audio``, its sidecar's ``data``) to the recorder running on it; False:
    none runs there (the take waits on disk for the next start)."""
    with _LOCK:
        take = _TAKERS.get(folder.resolve())
        if take is None:
            return False
        take(audio, data)
        return True
