"""The download and render cache (``~/.cache/exsampling``) to one build at a time.

Two builds at once (two terminals, two test workers) unpacked one package over each other (one's ``rmtree`` under
the other's ``dpkg-deb``) and each wrote the manifest over the other's. A build holds the cache's lock file while
it fetches, renders and writes; a second waits, saying so once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["cache_held"]

LOCK_NAME = ".lock"

_in_process = threading.RLock()  # threads of one process take turns; a thread may nest (build -> fetch_package)
_held: dict[Path, list[int]] = {}  # cache -> [lock descriptor, depth], for this process


@contextlib.contextmanager
def cache_held(cache: Path, waiting_note: bool = True) -> Iterator[None]:
    """Hold ``cache`` for this process (nested holds in one thread are one); waits while another process holds
    it, writing one line to stderr that says so where ``waiting_note``."""
    key = Path(cache).expanduser().resolve()
    with _in_process:
        entry = _held.get(key)
        if entry is None:
            key.mkdir(parents=True, exist_ok=True)
            descriptor = _lock_file(key / LOCK_NAME)
            try:
                if descriptor >= 0:
                    _take(descriptor, key, waiting_note)
            except BaseException:  # Ctrl+C while waiting too: a process that goes on had kept the descriptor
                os.close(descriptor)
                raise
            entry = _held[key] = [descriptor, 0]
        entry[1] += 1
        try:
            yield
        finally:
            entry[1] -= 1
            if not entry[1]:
                del _held[key]
                if entry[0] >= 0:
                    os.close(entry[0])  # closing lets the lock go


def _take(descriptor: int, cache: Path, waiting_note: bool) -> None:
    """Lock ``descriptor`` (the lock file of ``cache``), waiting for the process that holds it."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if waiting_note:
            print(f"waiting for another build that is using {cache} ...", file=sys.stderr, flush=True)
        fcntl.flock(descriptor, fcntl.LOCK_EX)


def _lock_file(path: Path) -> int:
    """A descriptor of the lock file at ``path``, made where there is none; -1 where it cannot be made or opened
    for want of permission (a read-only cache, fully built: nothing will be written there, so no lock is needed;
    it was refused with the lock's error)."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
    try:
        return os.open(path, os.O_RDONLY)  # one there already, not ours to write: flock takes a reading one
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.ENOENT):
            raise
    return -1
