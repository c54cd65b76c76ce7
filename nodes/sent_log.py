"""The sent log that ``ableton_live`` and ``ableton_osc`` keep from the patch process itself (``ableton_max``'s is
kept by its sender process: :mod:`~exsampling_patch.nodes.osc_sender`, whose lock and format it shares)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from exsampling_patch.nodes.osc_outbox import FolderInUse, in_use_text
from exsampling_patch.nodes.osc_sender import (
    KEEP,
    _holder,
    _say_holder,
    append_key,
    open_log,
    read_sent,
    replace_whole,
    rewrite_log,
)

__all__ = ["FolderLock", "SentLog", "read_unloaded", "write_unloaded"]


class FolderLock:
    """The lock of a node's files in a folder (``<log>.lock`` beside its sent log ``log``: the one :func:`.serve`
    takes), held from its start to :meth:`close`, with this process's pid in it for another run to name; raises
    :class:`FolderInUse` (its text ending with ``then``: what becomes of this run's takes) where another run of a
    patch holds it. Taken before a start's sweep of the folder, so that the sweep never removes a copy the other
    run has just written (and not yet listed as kept)."""

    def __init__(self, log: Path, then: str) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        lock_path = log.with_name(log.name + ".lock")
        self._lock: IO[str] | None = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held until close())
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise FolderInUse(in_use_text(log.parent, _holder(lock_path), then)) from None
        _say_holder(self._lock, os.getpid(), os.getpid())

    def close(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.truncate(0)  # the pid would name a process that no longer holds it
            lock.close()


class SentLog:
    """The keys of the takes a node sent from its own process (``ableton_live``, ``ableton_osc``): appended once sent
    (``ableton_live``: once Live answered it loaded the take, so that one sent while Live was not running goes again),
    read back at the next start, so that a take the source redoes there (it reached its slot while the last run
    stopped uncleanly, or was killed) is not sent to Live a second time.

    Unlike :class:`.Outbox` the send and the log line are two steps of the patch process: a kill -9 between them can
    still send one take twice (the window :class:`Outbox` closes for ``ableton_max``'s ``/label``); a stop, clean or
    not, cannot. The newest ``keep`` keys are kept; the file is rewritten at start when it holds twice as many.

    It holds the log's lock (the one :func:`.serve` takes) from its start to :meth:`close`, and raises
    :class:`FolderInUse` where another run of a patch holds it: that run's keys, appended after this one read the
    log, and its rewrite of the file, would otherwise go unseen, and a take sent twice. Unlike the sender of
    ``ableton_max`` it cannot keep the takes until that run lets go: they would wait in the patch, which a kill
    reaches, and go late, when the performer has moved on.

    ``report_error`` is told where a key could not be written (a full disk): its take went all the same, and is
    skipped in this run only; without it, :meth:`add` raises that :class:`OSError`.
    """

    def __init__(self, log: Path, keep: int = KEEP, report_error: Callable[[str], None] | None = None) -> None:
        self.log = log
        self.keep = keep
        self.report_error = report_error
        self._lock = FolderLock(log, "this node sends nothing to Live in this run")
        self._sent, self._lines = read_sent(log, keep)
        self._fd: int | None = None  # opened (and its folder made) with the first key: a node that sends no stored
        self._closed = False  # take writes nothing

    def __contains__(self, key: str) -> bool:
        return key in self._sent

    def add(self, key: str) -> None:
        if self._closed:
            return
        if self._fd is None:
            if self._lines > 2 * self.keep:  # not shortened (a full disk), it is read all the same
                rewrite_log(self.log, self._sent)
            self._fd = open_log(self.log)
        self._sent[key] = None  # written or not, the take went: skipped in this run
        if len(self._sent) > self.keep:
            self._sent.popitem(last=False)
        try:
            append_key(self._fd, key, self.log)
        except OSError as error:
            if self.report_error is None:
                raise
            self.report_error(str(error.strerror))

    def close(self) -> None:
        fd, self._fd, self._closed = self._fd, None, True
        if fd is not None:
            os.close(fd)
        self._lock.close()


def write_unloaded(path: Path, records: list[dict[str, Any]]) -> None:
    """``ableton_live``'s loads Live never got, one JSON object a line, for the next start (none: the file goes).
    Written whole, flushed, then renamed and the rename flushed (as :func:`.rewrite_log`): renamed before its data
    reached the disk, a power cut could leave it empty or short, and the takes Live never got were lost. A failure
    (a full disk) removes the part file and leaves the last whole file. Raises :class:`OSError`."""
    if not records:
        path.unlink(missing_ok=True)
        return
    replace_whole(path, path.with_name(f".{path.name}.{os.getpid()}.part"),
                  "".join(json.dumps(record) + "\n" for record in records).encode("utf-8"))


def read_unloaded(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """What :func:`write_unloaded` wrote (none where no file), and the numbers of the lines that are no such record
    (damaged). Raises :class:`OSError` (and :class:`UnicodeError`) where the file cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    records: list[dict[str, Any]] = []
    damaged: list[int] = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and isinstance(record.get("args"), list) and len(record["args"]) >= 2:
            records.append(record)
        else:
            damaged.append(number)
    return records, damaged
