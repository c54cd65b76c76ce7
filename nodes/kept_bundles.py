"""The bundles ``ableton_max``'s outbox (:mod:`~exsampling_patch.nodes.osc_outbox`) keeps at a stop for the next
start: ``folder/.sent-<node>.txt.unsent`` (:func:`unsent_path`).

The file outlives crashes, so each record stands alone: a record separator byte, its length, a CRC-32 and its JSON
(the datagram in base64) on one line. A record cut short by a crash, garbage written over or between records, or a
damaged field, spoils that record only: the others are still read, since the next one starts at the next separator
(JSON never holds it raw). Before, length-prefixed frames followed each other: an append after one cut short was
read as part of it, sent as one garbled datagram, and the frames after it were lost.

Appends and the next start's take-over hold the file's own lock (``.unsent.lock``): two runs of a patch that stop
at once add their bundles whole, and a start that removes the file after handing them over never removes what
another run appended after it read.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import json
import os
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from exsampling_patch.nodes.osc_sender import LENGTH

__all__ = ["Bundle", "Damaged", "Taken", "append_kept", "kept_files", "read_kept", "taking_kept", "unsent_path"]

SEPARATOR = b"\x1e"
"""Starts each record: JSON escapes every control character, so no record's text holds it."""


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
        """This bundle as one record of the kept file."""
        body = json.dumps({"to": list(self.to), "key": self.key, "skip": self.skip, "files": list(self.files),
                           "datagram": base64.b64encode(self.datagram).decode("ascii")}).encode()
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


@contextlib.contextmanager
def _locked(path: Path, shared: bool = False) -> Iterator[None]:
    with open(path.with_name(path.name + ".lock"), "a") as lock:  # held for one read or write: never long
        fcntl.flock(lock, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield


def append_kept(path: Path, bundles: list[Bundle]) -> None:
    """Add ``bundles`` to the kept file ``path``, whole, however many runs stop at once."""
    data = b"".join(bundle.record() for bundle in bundles)
    with _locked(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def _parse(data: bytes) -> tuple[list[Bundle], list[Damaged]]:
    bundles: list[Bundle] = []
    damaged: list[Damaged] = []
    before, *records = data.split(SEPARATOR)
    if before.strip():
        damaged.append(Damaged(0, f"{len(before.strip())} bytes that are no record before", lost=False))
    for number, chunk in enumerate(records, 1):
        bundle, why, trailing = _parse_record(chunk)
        if bundle is not None:
            bundles.append(bundle)
        else:
            damaged.append(Damaged(number, why))
        if bundle is not None and trailing.strip():  # the record is whole; what follows it is no record
            damaged.append(Damaged(number, f"{len(trailing.strip())} bytes that are no record after", lost=False))
    return bundles, damaged


def _parse_record(chunk: bytes) -> tuple[Bundle | None, str, bytes]:
    """The bundle in ``chunk`` (a record and what follows it up to the next one), or why there is none; and the
    bytes after the record."""
    fields = chunk.split(b" ", 2)
    try:
        length, crc = int(fields[0]), int(fields[1], 16)
        body = fields[2]
    except (ValueError, IndexError):
        return None, "its length or checksum is unreadable (not a record, or cut short)", b""
    body, trailing = body[:length], body[length:]
    if len(body) < length:
        return None, f"cut short ({len(body)} of {length} bytes)", b""
    if trailing and not trailing.startswith(b"\n"):  # none: cut short just before its newline, the record whole
        return None, "its length does not match its text", b""
    if zlib.crc32(body) != crc:
        return None, "its checksum does not match: the record was changed", b""
    try:
        meta = json.loads(body)
        bundle = Bundle(tuple(meta["to"]), base64.b64decode(meta["datagram"], validate=True), str(meta["key"]),
                        bool(meta["skip"]), tuple(str(f) for f in meta["files"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        return None, f"its fields are not a bundle's ({error})", b""
    return bundle, "", trailing[1:]


def _read(path: Path) -> tuple[list[Bundle], list[Damaged]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    return _parse(data)


def read_kept(path: Path) -> tuple[list[Bundle], list[Damaged]]:
    """The intact bundles an earlier run kept in ``path`` (none when there is no file), and the damaged records."""
    if not path.exists():  # nothing kept: no lock file made in a folder that may not be there
        return [], []
    with _locked(path, shared=True):
        return _read(path)


class Taken(NamedTuple):
    """What :func:`taking_kept` found."""

    bundles: list[Bundle]
    damaged: list[Damaged]
    aside: Path | None  # where the file was kept, when it had damaged records


@contextlib.contextmanager
def taking_kept(path: Path) -> Iterator[Taken]:
    """Take over what ``path`` holds: its intact bundles, to hand over inside the ``with``; at its end the file is
    removed, or, when it had damaged records, kept as ``aside`` (a performer's bundles are not destroyed, only left
    out). Appends wait for the end of the ``with``; an exception inside it leaves the file as it was."""
    if not path.exists():  # what another run keeps from now on waits for the next start, as it would after this one
        yield Taken([], [], None)
        return
    with _locked(path):
        bundles, damaged = _read(path)
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
    """The files named by the bundles kept in ``unsent`` (an :func:`unsent_path`): they must outlive a sweep of
    the folder until the next start has sent them."""
    try:
        return {name for bundle in read_kept(unsent)[0] for name in bundle.files}
    except OSError:
        return set()
