"""The folder source's journal: which files it passed on as takes, and which of those takes have ended.

A hidden file in the watched folder (``.folder_source-<node id>.journal``: the scan skips hidden files), one JSON
object a line, each flushed to disk before the source goes on: ``{"file", "size", "mtime_ns", "done"}``, the file
relative to the folder and its stamp when read. A line with ``done: false`` is written before the take is passed
on (with ``"take"``, its id), one with ``done: true`` when its end is told
(:meth:`~exsampling_patch.node.Node.take_ended`). At the next start a file whose take was passed on and never ended
(the process was killed) is read again, its take under the id it had; one whose take ended is not, even with
``include_existing``. A line cut off by a kill is skipped.

Each start rewrites it with a first line ``{"lists": "every file"}`` and a line ``{"file", "size", "mtime_ns",
"seen": true}`` for each file there that it left alone (there before the node first watched the folder, without
``include_existing``): every file there at that start is in it, read or left alone, so that one not in it at the
next start arrived while the patch was stopped (a phone's sync during a break), or was replaced since. A journal
without that first line (an older version's) says nothing of the files it left alone. Older versions skip both
kinds of line. A start that could not read it (an I/O error) does not rewrite it (:meth:`FolderJournal.holds_lines`).

A node a live edit rebuilds opens the journal anew, while takes the node it replaced passed on may still be in flight
(their lines say ``done: false``, as a killed run's do): what each run passed on, and the ends not yet written, are
kept in this process too (:attr:`Record.in_flight`), so that it does not read those files again as the last run's,
and the ends of those takes, told to it, are written down. A run is the node's context and its ``run_id``: an engine
gives each of its runs a context of its own (a patch stopped and started again), and the takes in flight at that stop
never end: their files are read again, as a killed run's are. A node of a run that has ended (its context's
``run_ended``) opening the journal once the next run has begun gets a record of its own, not the new run's.
"""

from __future__ import annotations

import errno
import json
import stat
import threading
import weakref
from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from exsampling_patch.journal_lines import append_line
from exsampling_patch.takes import file_stem, write_atomic

Stamp = tuple[int, int]  # (size, mtime in ns), as the folder source stamps a file
Entry = tuple[str, Stamp]  # a file (relative to the folder, as posix) and its stamp when read

# A file name that is not UTF-8 (a card written by an old recorder in Latin-1, a share mounted with another
# charset) comes from os.listdir with its bytes as lone surrogates: written and read back as those bytes. Strict
# UTF-8 raised on it, after the file was marked read and before its take was passed on: the take was lost.
_NAMES = "surrogateescape"

_LISTS_ALL = {"lists": "every file"}


@dataclass
class Record:
    """What a journal says of an earlier run (see the module)."""

    ended: dict[Entry, bool] = field(default_factory=dict)  # each file read: True once its take ended
    takes: dict[Entry, str] = field(default_factory=dict)  # each file read: the id its take was passed on under
    seen: set[Entry] = field(default_factory=set)  # each file there at a start and left alone
    lists_all: bool = False  # every file there at the last start is in it: one that is not came since
    in_flight: set[Entry] = field(default_factory=set)  # read in this run, its take's end not written yet


@dataclass
class _Passed:
    """A journal's takes passed on in one run whose ends are not written yet (take id -> its file)."""

    run: weakref.ref[object]  # the run's context: a rebuilt node shares it, a new engine's run does not
    run_id: int  # the context's run_id (0 without a runtime): with the context, tells a run from the next
    takes: dict[str, Entry] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)  # for each write to the journal, and a reopening


#: Each journal's (by path), in this process: shared by the nodes of one run that open it (one a live edit rebuilt).
_PASSED: dict[Path, _Passed] = {}
_PASSED_GUARD = threading.Lock()


def _run_id(run: object) -> int:
    return int(getattr(run, "run_id", 0))  # 0 for a context without a runtime (NodeContext's)


def _of_run(passed: _Passed, run: object, run_id: int) -> bool:
    return passed.run() is run and passed.run_id == run_id


def _passed(path: Path, run: object) -> _Passed:
    run_id = _run_id(run)
    if getattr(run, "run_ended", False):
        # Its engine started again: kept, it took the place of the new run's record, whose takes' ends were then
        # written nowhere (their files read again at the next start). Its own takes never end (see the module).
        return _Passed(weakref.ref(run), run_id)
    with _PASSED_GUARD:
        passed = _PASSED.get(path)
        if passed is None or not _of_run(passed, run, run_id):  # a run before this one: its takes in flight never end
            passed = _PASSED[path] = _Passed(weakref.ref(run), run_id)
        return passed


def write_end(run: object, take_id: str) -> None:
    """The take ``take_id`` has ended: its file is written down as done in the journal it was passed on from in
    ``run`` (its run now: a take of a run before it never ends), whichever node passed it on (the one a live edit
    replaced, maybe on another folder). Raises OSError where the journal cannot be written."""
    run_id = _run_id(run)
    with _PASSED_GUARD:
        found = [(path, passed) for path, passed in _PASSED.items() if _of_run(passed, run, run_id)]
    for path, passed in found:
        with passed.lock:
            entry = passed.takes.pop(take_id, None)
            if entry is not None:
                _append(path, _line(entry, True))
                return


def journal_path(folder: Path, node_id: str) -> Path:
    return folder / f".folder_source-{file_stem(node_id)}.journal"


class FolderJournal:
    """One folder source's journal (see the module), in ``run`` (the node's context, and its ``run_id`` now: the
    same for the node a live edit rebuilds). Thread-safe: takes end on the runtime's workers."""

    def __init__(self, path: Path, run: object) -> None:
        self.path = path
        self._run = run
        self._passed = _passed(path, run)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No take's end is written meanwhile: one told between :meth:`load` and :meth:`rewrite` was lost."""
        with self._passed.lock:
            yield

    def load(self) -> Record:
        """The files an earlier run read, as they were then, and those it left alone; empty where none ran. Those
        read in this run whose takes have not ended are :attr:`Record.in_flight`."""
        with self._passed.lock:
            record = Record(in_flight=set(self._passed.takes.values()))
            try:
                # Split on "\n" alone: JSON writes U+2028 or U+0085 in a file's name as they are, and splitlines
                # cut that file's line in two, neither read: its take, ended, was read again at the next start.
                lines = self.path.read_text(encoding="utf-8", errors=_NAMES).split("\n")
            except FileNotFoundError:
                return record
        # A last line without its newline (a full disk cut it, and its take-back failed) is read all the same where
        # it is a whole JSON object (only its newline was cut: what it says is so); a part of one never parses, and
        # is skipped below. Left out, a whole one's file would be read again, or taken for one that arrived since.
        for line in lines:
            try:
                data = json.loads(line)
                if data == _LISTS_ALL:
                    record.lists_all = True
                    continue
                entry = (str(data["file"]), (int(data["size"]), int(data["mtime_ns"])))
                if data.get("seen") is True:
                    record.seen.add(entry)
                    continue
                done = bool(data["done"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # cut off by a kill, or not ours
            record.ended[entry] = record.ended.get(entry, False) or done
            if isinstance(data.get("take"), str) and data["take"]:
                record.takes[entry] = data["take"]
        return record

    def loops(self) -> bool:
        """Whether the journal is a symbolic link that leads back to itself (or round a ring of links): nothing can
        be read or written through it."""
        try:
            self.path.stat()
        except OSError as error:
            return error.errno == errno.ELOOP
        return False

    def holds_lines(self) -> bool:
        """Whether what is there may hold an earlier run's lines, where :meth:`load` could not read it: a file (an
        I/O error, one made unreadable), or what cannot even be looked at. Not to be rewritten then: its takes in
        flight when that run ended would be erased for good. A folder in the way holds none."""
        try:
            return stat.S_ISREG(self.path.stat().st_mode)
        except FileNotFoundError:
            return False
        except OSError:
            return True

    def rewrite(self, entries: Mapping[Entry, bool], seen: Set[Entry] = frozenset(),
                takes: Mapping[Entry, str] | None = None) -> None:
        """Keep only ``entries`` (those of files still there as they were read, with their take's id in ``takes``),
        and write down ``seen``, the files there now left alone: the journal does not grow for ever. Raises OSError
        where the folder cannot be written."""
        takes = takes or {}
        text = json.dumps(_LISTS_ALL) + "\n" + "".join(_line(entry, done, "" if done else takes.get(entry, ""))
                                                       for entry, done in entries.items())
        text += "".join(_seen_line(entry) for entry in sorted(seen))
        write_atomic(self.path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8", errors=_NAMES))

    def passed_on(self, take_id: str, entry: Entry) -> None:
        """The take read from ``entry`` is about to be passed on: written down before it is."""
        with self._passed.lock:
            self._passed.takes[take_id] = entry
            _append(self.path, _line(entry, False, take_id))

    def done(self, entry: Entry) -> None:
        """The file needs nothing more (unreadable, told already)."""
        with self._passed.lock:
            _append(self.path, _line(entry, True))

    def ended(self, take_id: str) -> None:
        """The take ``take_id`` has ended: its file is written down as done (a take not passed on in this run is
        left alone)."""
        write_end(self._run, take_id)


def _append(path: Path, line: str) -> None:
    """Raises OSError (``the disk is full``, the journal its file name) where ``line`` was not written whole: taken
    back, for no part of it to stay. A cut line left all the same is ended (:meth:`load` skips it: no part of a
    JSON object reads as one)."""
    append_line(path, line.encode("utf-8", _NAMES), drop_cut=False)


def _seen_line(entry: Entry) -> str:
    file, (size, mtime_ns) = entry
    return json.dumps({"file": file, "size": size, "mtime_ns": mtime_ns, "seen": True}, ensure_ascii=False) + "\n"


def _line(entry: Entry, done: bool, take: str = "") -> str:
    file, (size, mtime_ns) = entry
    line = {"file": file, "size": size, "mtime_ns": mtime_ns, "done": done, **({"take": take} if take else {})}
    return json.dumps(line, ensure_ascii=False) + "\n"
