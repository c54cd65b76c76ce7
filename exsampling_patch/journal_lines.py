"""Appending a line to a journal (the take store's ``.processed``, a folder source's): whole, or not at all.

A full disk cut a line short, and the write said nothing but its count: the next line ran on from the cut one (or,
since, began a line of its own after it), and the fragment stayed, read back as an entry: a take id's first letters
(``secon``), which may be another take's id, that take then taken for done and never passed on. A line not written
whole is now taken back (the file cut to its size before) and raises :class:`OSError` (``the disk is full``, the
journal as its file name), for the node to tell. ``nodes/osc_sender.py`` does the same for the sent logs in its
own copy: it runs with the standard library alone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

__all__ = ["append_line", "cut_line_start"]

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # EFBIG: a file size limit, which cuts a write as a full disk does
_NO_LOCKS = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL)  # a file system without locks


def cut_line_start(fd: int, end: int) -> int:
    """Where the last line of the file open as ``fd`` (``end`` bytes long) begins: just after its last newline."""
    at = end
    while at > 0:
        start = max(0, at - 4096)
        newline = os.pread(fd, at - start, start).rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        at = start
    return 0


def _lock(fd: int) -> None:
    """Take an exclusive lock on ``fd`` (released when it is closed), or go on without one where its file system
    has none to give."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as error:
        # Some network and FUSE mounts (a watched folder on a share, as the docs allow) refuse locks. Appending
        # without one is what every version before the lock did, and risks only a take-back cutting another
        # store's line written at that moment; refused, every take's end went unwritten and was redone at the
        # next start.
        if error.errno not in _NO_LOCKS:
            raise


def append_line(path: Path, line: bytes, drop_cut: bool) -> None:
    """Append ``line`` (ending in a newline) to the journal ``path`` (made if need be), whole or not at all, and
    flush it to disk.

    A last line without its newline (cut short where taking it back failed too, or by an older version) is first
    dropped where ``drop_cut`` (its reader takes no such line: its entry's write was told as failed), else ended
    (its reader skips a fragment). Held under an exclusive lock meanwhile, where the file system gives one: two
    stores of one folder (two nodes, or another run) may append to it, and a take-back must cut only its own line."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        _lock(fd)
        end = os.lseek(fd, 0, os.SEEK_END)
        if end and os.pread(fd, 1, end - 1) != b"\n":
            if drop_cut:
                end = cut_line_start(fd, end)
                os.ftruncate(fd, end)
            else:
                line = b"\n" + line
        done = 0
        try:
            while done < len(line):
                wrote = os.write(fd, line[done:])
                if not wrote:  # never loop on nothing written
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                done += wrote
            os.fsync(fd)
        except OSError as error:
            if done:
                with contextlib.suppress(OSError):  # else the next append drops or ends the cut line
                    os.ftruncate(fd, end)
            why = "the disk is full" if error.errno in _FULL else (error.strerror or str(error))
            raise OSError(error.errno, why, str(path)) from None
    finally:
        os.close(fd)
