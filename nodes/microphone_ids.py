"""The microphone's take ids: its node id, the second the take was cut (local time), and a count that no take in its
folder, nor one a microphone of this process gave out, has with them.

The count was the take's number in the node's start, from 1 at each start: a take cut within the second of one the
node a live edit replaced cut (or the run before a Stop, then Run) got that take's id. Stored, it took that take's
files (its audio gone), found its row in the journal (written down as done before its own end: a crash left it never
passed on again), and its end, in the same run, was told as that take's, told already. Now the count goes on past an
id whose audio or sidecar is in the folder, or that was given out in this process (a take still being stored on a
slow disk by the node replaced: no file yet).
"""

from __future__ import annotations

import threading
import time

from exsampling_patch.takes import TakeStore, file_stem, sidecar_path

__all__ = ["new_take_id"]

#: Node id -> the second of its last take id given out, and the ids given out within that second.
_GIVEN: dict[str, tuple[str, set[str]]] = {}
_LOCK = threading.Lock()


def new_take_id(store: TakeStore, node_id: str, count: int) -> str:
    """A take id for node ``node_id``'s take cut now, stored in ``store``: its count ``count`` (the take's number in
    this start), or the first one after it that is free."""
    second = f"{node_id}-{time.strftime('%Y%m%d-%H%M%S')}"
    with _LOCK:
        last, given = _GIVEN.get(node_id, ("", set()))
        if last != second:  # ids of an earlier second cannot be given again: forgotten
            given = set()
            _GIVEN[node_id] = (second, given)
        while True:
            take_id = f"{second}-{count:04d}"
            audio = store.folder / f"{file_stem(take_id)}{store.suffix}"
            if take_id not in given and not audio.exists() and not sidecar_path(audio).exists():
                given.add(take_id)
                return take_id
            count += 1
