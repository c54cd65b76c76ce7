"""The table of takes and their fate, shared by the web recorder's server and ``recorder_status`` nodes.

Data flows one way through a patch, so a phone's "what became of my take" cannot come back along a
link into the recorder (that would be a cycle). Instead a ``recorder_status`` sink at the end of the
patch writes into this process-wide table, keyed by take id, and the recorder's server reads it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from typing import Any

#: The rows kept of each run's phone name (its newest): one run's takes never push out another's of the same name.
KEEP_PER_RECORDER = 200


class StatusBoard:
    """Take id -> status fields (``recorder``, ``status``, ``label``, ``confidence``, ``slot``, ...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._takes: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: Each recorder's take ids by the run that added them, oldest first: an add trims its own run's rows of
        #: its recorder without scanning the board (a start-up's 2,000 journal rows, each added, scanned it 2,000
        #: times). Counted by name alone, a run whose phone had the name another run of the process had (two
        #: engines, the page's made-up names meeting) pushed that run's rows out, takes in flight among them.
        self._ids: dict[str, dict[object, OrderedDict[str, None]]] = {}
        #: Take id -> the run that added it (:meth:`add`'s ``owner``), kept out of the row, which goes to phones
        self._owners: dict[str, object] = {}

    def add(self, take_id: str, recorder: str, /, *, owner: object = None, **fields: Any) -> None:
        """A take of ``recorder`` (its phone's name), as added by ``owner`` (the recorder's run: :meth:`for_recorder`
        tells one run's rows from another's of the same name)."""
        with self._lock:
            known = self._takes.get(take_id)
            if known is not None and (known["recorder"], self._owners.get(take_id)) != (recorder, owner):
                self._forget_id(known["recorder"], self._owners.get(take_id), take_id)
                del self._takes[take_id]  # its run's now: among that run's newest, where its trim counts it
            self._takes[take_id] = {**fields, "take_id": take_id, "recorder": recorder, "status": "received",
                                    "updated": time.time()}
            self._owners[take_id] = owner
            runs = self._ids.setdefault(recorder, {})
            if owner not in runs:
                self._drop_ended(runs)
            mine = runs.setdefault(owner, OrderedDict())
            mine[take_id] = None
            while len(mine) > KEEP_PER_RECORDER:
                oldest = mine.popitem(last=False)[0]
                del self._takes[oldest]
                self._owners.pop(oldest, None)

    def _drop_ended(self, runs: dict[object, OrderedDict[str, None]]) -> None:
        """The rows of a name's runs that ended (their weakly held context gone: no recorder of theirs reads them),
        under the lock: a new run of the name takes their place, as its takes pushed them out when the limit was the
        name's, so that the rows of an editor's many runs do not pile up for the life of the process."""
        for owner in [owner for owner in runs if isinstance(owner, weakref.ref) and owner() is None]:
            for take_id in runs.pop(owner):
                del self._takes[take_id]
                del self._owners[take_id]

    def remove(self, take_id: str) -> None:
        """Take a take off the board: one a recorder's start made known and then failed before passing on. Kept, it
        told the next start in this process that its own listing had found the take, which was then passed on never."""
        with self._lock:
            known = self._takes.pop(take_id, None)
            owner = self._owners.pop(take_id, None)
            if known is not None:
                self._forget_id(known["recorder"], owner, take_id)

    def _forget_id(self, recorder: str, owner: object, take_id: str) -> None:
        """``take_id`` off ``owner``'s ids of ``recorder`` (under the lock); a run, then a recorder, left with none
        goes: each phone's made-up name is a recorder, and an emptied one was kept for the life of the process."""
        runs = self._ids.get(recorder, {})
        mine = runs.get(owner)
        if mine is not None:
            mine.pop(take_id, None)
            if not mine:
                del runs[owner]
        if not runs:
            self._ids.pop(recorder, None)

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
