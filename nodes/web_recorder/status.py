"""The table of takes and their fate, shared by the web recorder's server and ``recorder_status`` nodes.

Data flows one way through a patch, so a phone's "what became of my take" cannot come back along a
link into the recorder (that would be a cycle). Instead a ``recorder_status`` sink at the end of the
patch writes into this process-wide table, keyed by take id, and the recorder's server reads it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

KEEP_PER_RECORDER = 200


class StatusBoard:
    """Take id -> status fields (``recorder``, ``status``, ``label``, ``confidence``, ``slot``, ...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._takes: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: Each recorder's take ids, oldest first: an add trims its own recorder's without scanning the board (a
        #: start-up's 2,000 journal rows, each added, scanned it 2,000 times).
        self._ids: dict[str, OrderedDict[str, None]] = {}
        #: Take id -> the run that added it (:meth:`add`'s ``owner``), kept out of the row, which goes to phones
        self._owners: dict[str, object] = {}

    def add(self, take_id: str, recorder: str, /, *, owner: object = None, **fields: Any) -> None:
        """A take of ``recorder`` (its phone's name), as added by ``owner`` (the recorder's run: :meth:`for_recorder`
        tells one run's rows from another's of the same name)."""
        with self._lock:
            known = self._takes.get(take_id)
            if known is not None and known["recorder"] != recorder:
                self._forget_id(known["recorder"], take_id)
            self._takes[take_id] = {**fields, "take_id": take_id, "recorder": recorder, "status": "received",
                                    "updated": time.time()}
            self._owners[take_id] = owner
            mine = self._ids.setdefault(recorder, OrderedDict())
            mine[take_id] = None
            while len(mine) > KEEP_PER_RECORDER:
                oldest = mine.popitem(last=False)[0]
                del self._takes[oldest]
                self._owners.pop(oldest, None)

    def remove(self, take_id: str) -> None:
        """Take a take off the board: one a recorder's start made known and then failed before passing on. Kept, it
        told the next start in this process that its own listing had found the take, which was then passed on never."""
        with self._lock:
            known = self._takes.pop(take_id, None)
            self._owners.pop(take_id, None)
            if known is not None:
                self._forget_id(known["recorder"], take_id)

    def _forget_id(self, recorder: str, take_id: str) -> None:
        """``take_id`` off ``recorder``'s ids (under the lock); a recorder left with none goes: each phone's made-up
        name is a recorder, and an emptied one was kept for the life of the process."""
        mine = self._ids.get(recorder)
        if mine is not None:
            mine.pop(take_id, None)
            if not mine:
                del self._ids[recorder]

    def update(self, take_id: str, **fields: Any) -> bool:
        """Merge ``fields`` into a known take's status; False if the take is not on the board."""
        with self._lock:
            entry = self._takes.get(take_id)
            if entry is None:
                return False
            entry.update(fields, updated=time.time())
            return True

    def get(self, take_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._takes.get(take_id)
            return dict(entry) if entry else None

    def for_recorder(self, recorder: str, owner: object = None) -> list[dict[str, Any]]:
        """A recorder's takes, newest first; of ``owner``'s adding alone where one is given. The board is the
        process's: by name alone, a phone name another run also had (an editor's earlier Run, a second engine, the
        page's made-up names meeting) brought that run's takes into this one's list."""
        with self._lock:
            return [dict(row) for take_id, row in reversed(self._takes.items())
                    if row["recorder"] == recorder and (owner is None or self._owners.get(take_id) == owner)]


#: The one board of this process: take ids are unique, so every recorder node can share it.
BOARD = StatusBoard()
