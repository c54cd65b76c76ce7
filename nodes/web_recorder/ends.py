"""The phones' take lists, with each take's end, kept across restarts.

A phone's page shows its takes and what became of each (class, slot, or why not) from the recorder's tables in
memory: a restart of the patch emptied them, and a page reloaded or opened again after it showed none of the takes
recorded before, as if they were lost. Each take's row, as the phone's list shows it once the take has ended, is
appended to ``phone-takes.jsonl`` in the recorder's state folder with the digest of its phone's key, and read back
at start. Takes stored but not ended are found again from their sidecars (``WebRecorder._know_unfinished``).

Appended and flushed, not synced, as ``seen-takes.jsonl`` is; rewritten with the newest ``keep`` rows at start once
it holds more than twice as many, where no other run has it open, a rewrite that fails told and the file appended to as
it is (:func:`~.seen.compact_shared`: a rewrite under another run lost the rows it appended after it, and a failed one
raised out of the recorder's start). A row that cannot be written (a full disk) leaves nothing of itself in the file
(:func:`~.seen.append_whole`).

A recorder on a temporary copy of a state folder it cannot write (:func:`~.folders.state_folder`) hands a row that comes
after its stop to the table open on the folder named (a recorder a rename started there, on a copy of its own): by the
copy's path, removed at the stop, the row failed ("No such file or directory: /tmp/exsampling-recorder-..."), told as
a row the disk refused. With none open, it is not kept, as none of that run's rows are, and the log says so.

A row that came between that stop and the start of the recorder a live edit rebuilt on the same state folder (a rename,
the take folder moved) found no table open, and was dropped, though the rebuilt recorder goes on with the run's rows
(handed over): the phone's list lost the take's end after a reload. It is now held (:data:`_HELD`) for the next table
opened on that folder in this process.
"""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.rows import saved_row
from exsampling_patch.nodes.web_recorder.seen import LOCK_WAIT, append_whole, compact_shared, open_shared
from exsampling_patch.takes import write_atomic

ENDS_FILE = "phone-takes.jsonl"
KEEP_ENDS = 2_000

log = logging.getLogger("exsampling.web_recorder")

#: The open table of each file in this process (the state folder named's, for one on a temporary copy of it; registered
#: from the start of its opening), and the lock over this table and :data:`_HELD`, never held while waiting for a file's
#: lock: a late row appended by path, while a recorder rebuilt on the same state folder rewrote the file at its start,
#: went into the file replaced, and was lost (now it goes through the table opening, or under the file's shared lock).
_OPEN: dict[Path, TakeEnds] = {}
_OPENING = threading.Lock()
#: The late rows of a table on a temporary copy that came while no table was open on the folder named: the next one
#: opened on it appends them (under :data:`_OPENING`, as :data:`_OPEN`); the newest ``KEEP_ENDS`` of a folder.
_HELD: dict[Path, list[tuple[str, dict[str, Any]]]] = {}


class TakeEnds:
    """Take id -> (phone digest, its row), newest last; thread-safe."""

    def __init__(self, folder: Path, keep: int = KEEP_ENDS, named: Path | None = None,
                 tell: Callable[[str], None] | None = None, lock_wait: float = LOCK_WAIT) -> None:
        """The table of ``folder``'s file; ``named``: the state folder ``folder`` is a temporary copy of, whose
        recorder started next takes the rows that come after this one's close. ``tell``: the recorder's error, for a
        start's rewrite that fails (logged without); ``lock_wait``: the longest wait for the file's shared lock."""
        self._tell = tell
        self._lock_wait = lock_wait
        self.path = folder / ENDS_FILE
        self.named = named or folder  # the folder the console names
        self._key = (self.named / ENDS_FILE).resolve()
        self._on_copy = self._key != self.path.resolve()
        self._lock = threading.Lock()
        self._rows: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        self._keep = keep
        # Registered first and its own lock held while its file is read and opened: a late row handed to it waits for
        # that (:func:`_write_late`), and no row goes by path into a file read already. Not under _OPENING: the file's
        # lock is waited for up to ``lock_wait`` seconds, and every recorder's late rows and openings waited with it.
        with self._lock:
            with _OPENING:
                _OPEN[self._key] = self
            try:
                self._open(folder, keep)
            except BaseException:
                with _OPENING:
                    if _OPEN.get(self._key) is self:
                        del _OPEN[self._key]
                raise
            with _OPENING:
                self._take_held()

    def _take_held(self) -> None:
        """Append the late rows held for this folder (:data:`_HELD`); ones that cannot be written (a full disk) are
        logged and dropped, as they were before they were held."""
        held = _HELD.pop(self._key, [])
        for at, (phone, row) in enumerate(held):
            try:
                self._append(phone, row)
            except OSError as error:
                log.warning("%d rows of takes ended between two runs of a web recorder could not be saved for their "
                            "phones' lists (%s: %s)", len(held) - at, error.strerror or error, self.path)
                return

    def _open(self, folder: Path, keep: int) -> None:
        lines = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    lines += 1
                    try:
                        entry = json.loads(line)
                        phone, row = str(entry["p"]), saved_row(dict(entry["r"]))
                        take_id = str(row["take_id"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by a crash
                    self._rows.pop(take_id, None)
                    self._rows[take_id] = (phone, row)
        while len(self._rows) > keep:
            self._rows.popitem(last=False)
        folder.mkdir(parents=True, exist_ok=True)
        self._file = open_shared(self.path, self._lock_wait)  # held open (and its shared lock) while the node runs
        if lines > 2 * keep:
            text = "".join(_line(phone, row) for phone, row in self._rows.values())
            self._file = compact_shared(self._file, self.path, self._lock_wait,
                                        lambda: write_atomic(self.path, lambda tmp: tmp.write_text(text, "utf-8")),
                                        self._told)

    def _told(self, why: str) -> None:
        text = f"{why}: every take's row it holds is kept, and it is appended to as it is"
        if self._tell is not None:
            self._tell(text)
        else:
            log.warning("%s", text)

    def rows(self) -> list[tuple[str, dict[str, Any]]]:
        """(phone digest, row) of each take written down, oldest first."""
        with self._lock:
            return list(self._rows.values())

    def write(self, phone: str, row: dict[str, Any]) -> bool:
        """Write down a take's row as its phone's list shows it now; False: it came after the close of a table on a
        temporary copy (removed since) and no table is open on the folder named, so it is not kept.

        Raises OSError where it cannot be written (a full disk), with no part of it left in the file."""
        row = {k: v for k, v in row.items() if k != "updated"}
        with self._lock:
            if self._writable():
                self._append(phone, row)
                return True
        # After the node's stop: the engine stops the sources first and lets the takes in flight end (Ctrl+C in a
        # burst), and a node a live edit renamed is told its takes' ends after the new one started. Dropped, their
        # rows left them on the phones' lists, after the restart, as received, never with their end, though the
        # console told it and the processed journal has them done. Through the table open on the file now, if any.
        return self._write_late(phone, row)

    def _write_late(self, phone: str, row: dict[str, Any]) -> bool:
        """:meth:`write` after this table's close: through the table open on the folder named, else held for the next
        one (a temporary copy's), else appended to the file by path, under its shared lock."""
        while True:
            with _OPENING:
                live = _OPEN.get(self._key)
                if live is None and self._on_copy:  # the copy is removed at the stop, and the folder named cannot be
                    held = _HELD.setdefault(self._key, [])  # written: held for a table opened next on it (a recorder
                    held.append((phone, row))  # an edit rebuilt)
                    del held[:-KEEP_ENDS]
                    return False
            if live is None:
                break
            with live._lock:  # not under _OPENING: a table opening holds its own lock while it waits for its file's
                if live._writable():
                    live._append(phone, row)
                    return True
            # closed (or its opening failed) meanwhile, taken out of _OPEN first: looked up again
        # Under the file's shared lock: another process's start rewriting the file (its exclusive lock) renamed its
        # rewrite over the file a row without it had just gone into, and the row was lost.
        with open_shared(self.path, self._lock_wait) as late:
            append_whole(late, _line(phone, row))
        with _OPENING:
            live = _OPEN.get(self._key)
        if live is not None:  # one opening meanwhile may have read the file before the row: in its table too
            with live._lock:
                if str(row["take_id"]) not in live._rows:
                    live._keep_row(phone, row)
        return True

    def _writable(self) -> bool:
        """Whether this table's file is open (its lock held): not before its opening ends, nor after its close."""
        file = getattr(self, "_file", None)
        return file is not None and not file.closed

    def adopt(self, phone: str, row: dict[str, Any]) -> bool:
        """Write down the row of a take this table has none of (from a recorder an edit renamed, on another copy of
        the same state folder); whether it was. One that cannot be written is kept for :meth:`rows`, logged."""
        take_id = str(row["take_id"])
        with self._lock:
            if take_id in self._rows or not self._writable():
                return False
            try:
                self._append(phone, row)
            except OSError as error:
                log.warning("take %s's row in its phone's list could not be saved (%s: %s)", take_id,
                            error.strerror or error, self.path)
                self._rows[take_id] = (phone, row)
        return True

    def _append(self, phone: str, row: dict[str, Any]) -> None:
        """Append a row (the lock held), and keep it for :meth:`rows`: a late row handed to this table is in it."""
        append_whole(self._file, _line(phone, row))
        self._keep_row(phone, row)

    def _keep_row(self, phone: str, row: dict[str, Any]) -> None:
        """Keep a row written down for :meth:`rows` (the lock held), the newest ``keep``."""
        self._rows.pop(str(row["take_id"]), None)
        self._rows[str(row["take_id"])] = (phone, row)
        if len(self._rows) > self._keep:
            self._rows.popitem(last=False)

    def close(self) -> None:
        with _OPENING:  # taken out first: a late row that found it here and finds it closed looks again
            if _OPEN.get(self._key) is self:
                del _OPEN[self._key]
        with self._lock:
            self._file.close()


def _line(phone: str, row: dict[str, Any]) -> str:
    return json.dumps({"p": phone, "r": row}, separators=(",", ":")) + "\n"


def save_end(ends: TakeEnds, phone: str, row: dict[str, Any], report_error: Callable[[str], None]) -> dict[str, Any]:
    """Save a take's ended row for its phone's list after a restart. Not saved (a full disk), it is said naming the
    take (it was an OSError naming none, once per take), and the fields returned say it on the phone's row."""
    try:
        kept = ends.write(phone, row)
    except OSError as error:
        full = error.errno == errno.ENOSPC
        why = "the disk is full" if full else error.strerror or str(error)
        report_error(f"take {row['take_id']} ended, but its row in its phone's list could not be saved "
                     f"({why}: {ends.path}); the phone's list may not show it after the next start (the take is kept)")
        said = "the recorder's disk is full" if full else "not saved"
        return {"unsaved": f"{said}: this list may lose it at a restart; the take is kept"}
    if not kept:  # the start's notice said this run's rows are lost at its stop: no error, its end stands
        log.warning("take %s ended after the stop of its web recorder: its row in its phone's list is not kept, as "
                    "none of this run's are (the state folder %s could not be written at its start; they were kept "
                    "for the run only), unless a recorder starts on that folder in this run (a live edit); the "
                    "take's end is told as usual and the take is kept", row["take_id"], ends.named)
    return {}
