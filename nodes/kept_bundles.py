"""The bundles ``ableton_max``'s outbox (:mod:`~exsampling_patch.nodes.osc_outbox`) keeps at a stop for the next
start: ``folder/.sent-<node>.txt.unsent`` (:func:`unsent_path`).

The file outlives crashes, so each record stands alone: a record separator byte, its length, a CRC-32 and its JSON
(the datagram in base64) on one line. A record cut short by a crash, garbage written over or between records, or a
damaged field, spoils that record only: the others are still read, since the next one starts at the next separator
(JSON never holds it raw). Before, length-prefixed frames followed each other: an append after one cut short was
read as part of it, sent as one garbled datagram, and the frames after it were lost.

Each record also carries an id of its own, and a read takes the first record of each id only: a take-over that
added an aside file to the kept file and crashed before removing it (or in the middle of the append) adds it again
at the next start, and the copies read as one. Before, each of its bundles went twice; a keyed one the sent log
stopped, an unkeyed one reached Live twice.

Appends and the next start's take-over hold the file's own lock (``.unsent.lock``): two runs of a patch that stop
at once add their bundles whole, and a start that removes the file after handing them over never removes what
another run appended after it read. Each waits for the lock :data:`LOCK_WAIT` at most (:class:`LockHeld`): a holder
stopped (SIGSTOP, a debugger) or hung must not hang a node's start or stop. A start then leaves the file as it is,
for the next; a stop writes its bundles aside (``.unsent.aside-<time>-<pid>-<n>``), which the next take-over adds.
A lock found held that long is remembered for :data:`STUCK_MEMORY`: held by the same processes again meanwhile, it
is not waited for a second time (a start reads the file for its sweep, then takes it over: two waits, 2 s, for one
stuck holder). A holder whose pid /proc/locks does not name (another pid namespace) is known by its lock's identity
instead (:func:`~exsampling_patch.journal_lines.lock_holding`); remembered not at all, it cost every read, append and
take-over the whole wait. Another unseen holder in its place reads as the same one, and is not waited for either:
giving up loses nothing here, as a wait that ran out does (the file left for the next start, an append aside).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import glob
import json
import os
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from exsampling_patch.journal_lines import lock_holding
from exsampling_patch.nodes.osc_sender import LENGTH
from exsampling_patch.takes import pid_runs

__all__ = ["LEFTOVER_AGE", "LOCK_WAIT", "STUCK_MEMORY", "Bundle", "Damaged", "LockHeld", "Taken", "any_kept",
           "append_kept", "kept_files", "read_kept", "taking_kept", "unsent_path"]

SEPARATOR = b"\x1e"
"""Starts each record: JSON escapes every control character, so no record's text holds it."""

LOCK_WAIT = 1.0
"""Seconds an append, a read or a take-over waits for the kept file's lock. Each holder holds it for one read or
write (milliseconds): one that holds it longer is stopped or hung, and waiting on would hang a start or a stop."""


STUCK_MEMORY = 10.0
"""Seconds a lock held past :data:`LOCK_WAIT` is remembered (:func:`_locked`). Within them, a wait that finds it held
by the same processes gives up at once: the holder that kept it a whole wait is still at it. Short: a holder merely
slow for once is waited for again soon; and giving up loses nothing (a start leaves the file for the next, a stop
writes aside)."""


class LockHeld(OSError):
    """The kept file's lock stayed held past :data:`LOCK_WAIT` (``again``: it did moments ago, by the same processes,
    and was not waited for again). ``aside``: where an append wrote its bundles instead (:func:`append_kept`)."""

    def __init__(self, lock: Path, pids: list[int], aside: Path | None = None, again: bool = False) -> None:
        who = f"process {', '.join(map(str, pids))}" if pids else "another process (its pid unknown)"
        held = (f"is still held by {who}, which held it for more than {LOCK_WAIT:g} s moments ago" if again
                else f"is held by {who} for more than {LOCK_WAIT:g} s")
        super().__init__(f"{lock} {held} (stopped or hung?)")
        self.lock, self.pids, self.aside = lock, pids, aside


class Bundle(NamedTuple):
    """A bundle handed over to a sender, kept until the sender says it is done with it (sent, skipped or failed)."""

    to: tuple[Any, ...]  # the address family, then the socket address
    datagram: bytes
    key: str
    skip: bool
    files: tuple[str, ...] = ()  # what the bundle names (a take's copy): kept on disk until it is done

    def frame(self, seq: int, again: bool = False) -> bytes:
        """The pipe's frame, numbered ``seq`` for the sender's "done". ``again``: an earlier sender had it, and may
        have sent and logged it before it ended: a keyed bundle goes only if the log does not have it."""
        skip = self.skip or (again and bool(self.key))
        header = json.dumps({"to": list(self.to), "key": self.key, "skip": skip, "seq": seq,
                             "files": list(self.files)}).encode()
        body = header + b"\n" + self.datagram
        return LENGTH.pack(len(body)) + body  # one write: a pipe takes up to 4 kB whole, or not at all

    def record(self) -> bytes:
        """This bundle as one record of the kept file, with an id of its own (the copies of a record read as one)."""
        body = json.dumps({"to": list(self.to), "key": self.key, "skip": self.skip, "files": list(self.files),
                           "datagram": base64.b64encode(self.datagram).decode("ascii"),
                           "id": os.urandom(8).hex()}).encode()
        return SEPARATOR + b"%d %08x " % (len(body), zlib.crc32(body)) + body + b"\n"


class Damaged(NamedTuple):
    """A record of a kept file that could not be read, and why."""

    number: int  # 1 for the file's first record
    why: str
    lost: bool = True  # False: bytes after the record (or before the first one, number 0), which is whole

    def text(self, path: Path) -> str:
        if not self.lost:
            return f"{path} holds {self.why} {f'record {self.number}' if self.number else 'the first record'}"
        return f"a take kept for Live is not sent: record {self.number} of {path} is damaged ({self.why})"


def unsent_path(log: Path) -> Path:
    """Where the bundles handed over to a sender of ``log`` but not sent when its patch stopped wait for the next
    start (of any node on that log)."""
    return log.with_name(log.name + ".unsent")


_stuck: dict[Path, tuple[float, list[int], tuple[object, ...]]] = {}
"""Lock file -> when it was last found held past :data:`LOCK_WAIT`, by which processes, and the lock's identity
(:func:`~exsampling_patch.journal_lines.lock_holding`: what knows a holder whose pid is not named)."""


def _still_stuck(lock_path: Path, now: float) -> list[int] | None:
    """The processes holding ``lock_path`` (empty: not named) if the same holders held it past :data:`LOCK_WAIT`
    within :data:`STUCK_MEMORY` before ``now``; else None (another holder now is waited for as any)."""
    stuck = _stuck.get(lock_path)
    if stuck is None or now - stuck[0] >= STUCK_MEMORY:
        return None
    pids, lock = lock_holding(lock_path)
    if stuck[1]:
        return pids if pids == stuck[1] else None
    return pids if lock and lock == stuck[2] else None  # () where /proc/locks is unread: not known to be the same


@contextlib.contextmanager
def _locked(path: Path, shared: bool = False) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        deadline = time.monotonic() + LOCK_WAIT
        first = True
        while True:
            try:
                fcntl.flock(lock, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if first and (pids := _still_stuck(lock_path, now)) is not None:
                    raise LockHeld(lock_path, pids, again=True) from None
                first = False
                if now >= deadline:
                    pids, lock_id = lock_holding(lock_path)
                    _stuck[lock_path] = (now, pids, lock_id)
                    raise LockHeld(lock_path, pids) from None
                time.sleep(0.01)
        _stuck.pop(lock_path, None)
        yield


LEFTOVER_AGE = 60.0
"""Seconds after which a temporary aside file is taken for a crashed writer's whatever its pid says (a pid may be
reused): a writer renames it milliseconds after it made it."""


def _leftover_writing(tmp: Path) -> bool:
    """Whether the writer of the temporary aside file ``tmp`` (``..<kept>.aside-<time>-<pid>-<n>.tmp``) may still be
    writing it: its pid is alive and the file is younger than :data:`LEFTOVER_AGE`."""
    try:
        if time.time() - tmp.stat().st_mtime > LEFTOVER_AGE:
            return False
        pid = int(tmp.name[:-len(".tmp")].rsplit("-", 2)[1])
    except (OSError, ValueError, IndexError):  # gone, or not a name append_kept gives: its age alone tells
        return True
    return pid <= 0 or pid_runs(pid)


def _recover_leftovers(path: Path) -> None:
    """Give its aside name to each temporary aside file of ``path`` whose writer crashed between writing and renaming
    it (:func:`append_kept`): the next take-over adds it as any aside file, its whole records handed over, a record cut
    short told and kept with the damaged file. Before, nothing read or removed it: the bundles it held were lost."""
    for tmp in path.parent.glob("." + glob.escape(path.name) + ".aside-*.tmp"):
        if _leftover_writing(tmp):
            continue
        with contextlib.suppress(OSError):  # another process recovered it first, or it cannot be renamed: left
            os.replace(tmp, tmp.with_name(tmp.name[1:-len(".tmp")]))


def _aside_files(path: Path) -> list[Path]:
    """The files appends wrote beside ``path`` while its lock was held (:func:`append_kept`), oldest first; those a
    crash left under their temporary names, whose writers are gone, first get their own (:func:`_recover_leftovers`)."""
    _recover_leftovers(path)
    return sorted(path.parent.glob(glob.escape(path.name) + ".aside-*"), key=lambda p: p.name)


def _write(path: Path, data: bytes, flags: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def append_kept(path: Path, bundles: list[Bundle]) -> None:
    """Add ``bundles`` to the kept file ``path``, whole, however many runs stop at once. Its lock held past
    :data:`LOCK_WAIT`: they are written to a file of their own beside it, which the next take-over adds, and
    :class:`LockHeld` (its ``aside`` that file) is raised for the caller to tell."""
    data = b"".join(bundle.record() for bundle in bundles)
    try:
        with _locked(path):
            _write(path, data, os.O_APPEND)
    except LockHeld as held:
        # Its own name, written whole before it appears: no lock needed, and a take-over reads all of it or none.
        aside = path.with_name(f"{path.name}.aside-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-"
                               f"{time.monotonic_ns()}")
        tmp = aside.with_name("." + aside.name + ".tmp")
        _write(tmp, data, os.O_TRUNC)
        os.replace(tmp, aside)
        held.aside = aside
        raise


def _parse(data: bytes, seen: set[str]) -> tuple[list[Bundle], list[Damaged]]:
    """The bundles of ``data`` whose ids are not in ``seen`` (which gets theirs), and its damaged records."""
    bundles: list[Bundle] = []
    damaged: list[Damaged] = []
    before, *records = data.split(SEPARATOR)
    if before.strip():
        damaged.append(Damaged(0, f"{len(before.strip())} bytes that are no record before", lost=False))
    for number, chunk in enumerate(records, 1):
        bundle, ident, why, trailing = _parse_record(chunk)
        if bundle is not None and ident and ident in seen:  # a copy a crashed take-over added: read once
            pass
        elif bundle is not None:
            bundles.append(bundle)
            if ident:  # none in a record written before ids were: it is its only copy
                seen.add(ident)
        else:
            damaged.append(Damaged(number, why))
        if bundle is not None and trailing.strip():  # the record is whole; what follows it is no record
            damaged.append(Damaged(number, f"{len(trailing.strip())} bytes that are no record after", lost=False))
    return bundles, damaged


def _parse_record(chunk: bytes) -> tuple[Bundle | None, str, str, bytes]:
    """The bundle in ``chunk`` (a record and what follows it up to the next one) and its id ("" in a record of
    before ids), or why there is none; and the bytes after the record."""
    fields = chunk.split(b" ", 2)
    try:
        length, crc = int(fields[0]), int(fields[1], 16)
        body = fields[2]
    except (ValueError, IndexError):
        return None, "", "its length or checksum is unreadable (not a record, or cut short)", b""
    body, trailing = body[:length], body[length:]
    if len(body) < length:
        return None, "", f"cut short ({len(body)} of {length} bytes)", b""
    if trailing and not trailing.startswith(b"\n"):  # none: cut short just before its newline, the record whole
        return None, "", "its length does not match its text", b""
    if zlib.crc32(body) != crc:
        return None, "", "its checksum does not match: the record was changed", b""
    try:
        meta = json.loads(body)
        bundle = Bundle(tuple(meta["to"]), base64.b64decode(meta["datagram"], validate=True), str(meta["key"]),
                        bool(meta["skip"]), tuple(str(f) for f in meta["files"]))
        ident = str(meta.get("id", ""))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
        return None, "", f"its fields are not a bundle's ({error})", b""
    return bundle, ident, "", trailing[1:]


def _read(path: Path, seen: set[str]) -> tuple[list[Bundle], list[Damaged]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    return _parse(data, seen)


def read_kept(path: Path) -> tuple[list[Bundle], list[Damaged]]:
    """The intact bundles an earlier run kept in ``path`` (none when there is no file) and wrote aside from it, and
    the damaged records."""
    if not any_kept(path):  # nothing kept: no lock file made in a folder that may not be there
        return [], []
    # The aside files too: a take-over moves them into the file, then removes them, under the lock. Read after it
    # was let go, they could be gone while the file was read without them: their takes read as kept by no one.
    seen: set[str] = set()  # an aside file that a crashed take-over had added to the file is read once
    with _locked(path, shared=True):
        bundles, damaged = _read(path, seen)
        for aside in _aside_files(path):
            more, worse = _read(aside, seen)
            bundles, damaged = bundles + more, damaged + worse
    return bundles, damaged


def any_kept(path: Path) -> bool:
    """Whether an earlier run kept bundles in ``path`` or wrote them aside from it, for a start to hand over."""
    return path.exists() or bool(_aside_files(path))


class Taken(NamedTuple):
    """What :func:`taking_kept` found."""

    bundles: list[Bundle]
    damaged: list[Damaged]
    aside: Path | None  # where the file was kept, when it had damaged records


@contextlib.contextmanager
def taking_kept(path: Path) -> Iterator[Taken]:
    """Take over what ``path`` holds: its intact bundles, to hand over inside the ``with``; at its end the file is
    removed, or, when it had damaged records, kept as ``aside`` (a performer's bundles are not destroyed, only left
    out). Appends wait for the end of the ``with``; an exception inside it leaves the file as it was. What appends
    wrote aside (:func:`append_kept`) is added to the file first. Its lock held past :data:`LOCK_WAIT`:
    :class:`LockHeld`, and the file stays as it is for the next start."""
    if not any_kept(path):  # what another run keeps from now on waits for the next start, as it would after this one
        yield Taken([], [], None)
        return
    with _locked(path):
        for written in _aside_files(path):  # a crash between the two steps adds it again: its copies read as one
            _write(path, written.read_bytes(), os.O_APPEND)
            written.unlink()
        bundles, damaged = _read(path, set())
        aside = None
        if damaged:
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            for n in range(2, 1000):
                if not aside.exists():
                    break
                aside = aside.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        yield Taken(bundles, damaged, aside)
        if aside is not None:
            os.replace(path, aside)
        else:
            path.unlink(missing_ok=True)


def kept_files(unsent: Path) -> set[str]:
    """The files named by the bundles kept in ``unsent`` (an :func:`unsent_path`) and written aside from it: they
    must outlive a sweep of the folder until the next start has sent them. Raises :class:`OSError` where it cannot
    tell (:class:`LockHeld`, an unreadable file): a sweep then removes nothing."""
    return {name for bundle in read_kept(unsent)[0] for name in bundle.files}
