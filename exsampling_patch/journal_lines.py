"""Appending a line to a journal (the take store's ``.processed``, a folder source's): whole, or not at all.

A full disk cut a line short, and the write said nothing but its count: the next line ran on from the cut one (or,
since, began a line of its own after it), and the fragment stayed, read back as an entry: a take id's first letters
(``secon``), which may be another take's id, that take then taken for done and never passed on. A line not written
whole is now taken back, its own bytes alone made newlines (:func:`_blank`), and raises :class:`OSError` (``the disk
is full``, the journal as its file name), for the node to tell. ``nodes/osc_sender.py`` keeps a copy of its own for
the sent logs (it runs with the standard library alone), which follows the same rules.

The append's lock was waited for without end: another process holding it and stopped (SIGSTOP, a hung run on the
same folder) held the appending thread for ever, the take's end never written and the node's handler hung. It is
now waited for :data:`LOCK_WAIT` seconds at most; then the line goes without it (as where the file system gives no
locks), and a warning names the journal and the holder. Such a holder is remembered until the lock is next
taken: held by the same processes, it is tried once and not waited for again (each take stalled its thread 5 s);
a holder whose processes cannot be told (/proc/locks names none: another pid namespace) is known by its lock's line
in /proc/locks instead, and a new lock (another line) is waited for; where it has no line either, by the journal left
as the last append here left it: a holder that wrote since is not the stuck one, waited for once more; found stuck
again, the growth is another appender's going without the lock, and is not waited for again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import time
from pathlib import Path

__all__ = ["LOCK_WAIT", "append_line", "cut_line_start", "lock_holders", "lock_holding"]

LOCK_WAIT = 5.0
"""Seconds an append waits for another holder of the journal's lock. A store holds it for one line's write and
fsync (milliseconds; a second or two on a slow disk); past that the holder is taken for stopped or hung."""
_POLL = 0.01  # seconds between tries: a free lock is taken at once, a held one costs a few wake-ups
log = logging.getLogger("exsampling.journal")

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


def lock_holders(path: Path) -> list[int]:
    """The pids holding a lock on ``path`` that /proc/locks tells (none where it cannot: not Linux, another pid
    namespace)."""
    return lock_holding(path)[0]


def lock_holding(path: Path) -> tuple[list[int], tuple[object, ...]]:
    """The pids holding a lock on ``path`` (:func:`lock_holders`), and the lock's identity where no pid is named: the
    file's device:inode and each holder's line in /proc/locks (its kind, pid, range; not its position, which shifts as
    other locks come and go: a holder with no pid shown, an OFD lock's -1, read as a new one each time and was waited
    for again). A holder in another pid namespace has no line there at all (the kernel hides it): the file's identity
    alone then."""
    try:
        stat = os.stat(path)
        lines = Path("/proc/locks").read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return [], ()
    want = (os.major(stat.st_dev), os.minor(stat.st_dev), stat.st_ino)
    pids, held = [], []
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->": a process waiting for the lock, not holding it
            continue
        try:
            major, minor, inode = fields[5].split(":")
            if (int(major, 16), int(minor, 16), int(inode)) == want:
                held.append(" ".join(fields[1:]))  # not its position ("N:"): that shifts as others come and go
                if int(fields[4]) > 0:
                    pids.append(int(fields[4]))
        except ValueError:
            continue
    return sorted(set(pids)), (stat.st_dev, stat.st_ino, *sorted(held))


_stuck: dict[Path, tuple[list[int], tuple[object, ...], int, bool]] = {}
"""Journal -> who was found holding its lock past the wait (:func:`lock_holding`), until the lock is next taken. Held by
the same again, it is tried once and not waited for: each append waited the whole wait (5 s) while the take store's
lock was held and the thread that ended the take (the sampler's answer thread, the outbox reader) stalled, every take
backing up behind the stuck holder. The same is the same processes where /proc/locks names them, else the same lock
(:func:`lock_holding`: the file, and its holders' lines): by "no pid known" alone any later holder read as the stuck
one, and a new holder's lock (another line) was skipped at once; remembered not at all, every take's end waited 5 s
again.
The journal's size as the last append here left it is kept too: a holder unseen (another pid namespace: no pid, no
line) let go and another unseen one took the lock, that one read as the stuck one, and a line was appended beside its
own, mid-write (its take-back, a full disk, cut ours). A stopped holder writes nothing: the journal grown since is
another holder's (or another appender's), waited for. A lock let go and taken anew by one that has not written yet,
or whose line reads the same, cannot be told from it: that one is not waited for, and a take-back of either (a full
disk) blanks its own bytes alone (:func:`_blank`): cut to the size it had looked at, it cut the other's line too,
that take's end lost and the take passed on again at the next start.
Last, whether such an unseen lock was waited for again for the journal's growth and found stuck once more: growth then
tells nothing (another appender going without the lock past the same stuck holder, a second run on the folder, grows it
as a new holder would) and is not waited for again. Each such append waited the whole wait (5 s) else, the two
appenders' lines growing it in turn; now an unseen stuck holder costs two waits at most until the lock is next taken,
and a new unseen holder after those is appended beside, as one that has not written yet is."""


def _holders_text(pids: list[int]) -> str:
    """Who holds a lock, for a warning: ``this process`` for our own pid (another open file of it: a thread's
    append that hangs), not "another process"."""
    own = os.getpid() in pids
    others = [str(pid) for pid in pids if pid != os.getpid()]
    if not others:
        return "this process" if own else "another process (pid unknown)"
    return ("this process and " if own else "") + f"process{'es' if len(others) > 1 else ''} {', '.join(others)}"


def _still_stuck(fd: int, path: Path) -> bool:
    """Whether the lock on ``path`` (open as ``fd``) is held by the same holders found stuck holding it
    (:data:`_stuck`); unseen ones, only where nothing wrote the journal since the last append here."""
    stuck = _stuck.get(path)
    if stuck is None:
        return False
    pids, lines = lock_holding(path)
    if stuck[0]:
        return pids == stuck[0]
    # () where /proc/locks is unread; grown since: another holder's write (a stopped one writes nothing), unless
    # waited for once already and found the same: another appender's lines, which would stall each append
    return bool(lines) and lines == stuck[1] and (stuck[3] or os.fstat(fd).st_size == stuck[2])


def _left(fd: int, path: Path) -> None:
    """Remember the journal's size as this append left it, where its lock was found stuck (:func:`_still_stuck`)."""
    stuck = _stuck.get(path)
    if stuck is not None:
        _stuck[path] = (stuck[0], stuck[1], os.fstat(fd).st_size, stuck[3])


def _found_again(path: Path, pids: list[int], lines: tuple[object, ...]) -> bool:
    """Whether an unseen lock found stuck was found stuck before, the same (:func:`_still_stuck` waited for it again
    only for the journal's growth)."""
    stuck = _stuck.get(path)
    return stuck is not None and not pids and not stuck[0] and bool(lines) and lines == stuck[1]


def _lock(fd: int, path: Path, wait: float) -> None:
    """Take an exclusive lock on ``fd`` (released when it is closed), waiting ``wait`` seconds at most for another
    holder (not at all for one found stuck before, :data:`_stuck`); or go on without one where its file system has
    none to give, or the holder keeps it past that."""
    deadline = time.monotonic() + wait
    first = True
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _stuck.pop(path, None)  # let go since: a holder seen again is waited for anew
            return
        except BlockingIOError:
            if first and _still_stuck(fd, path):
                return  # told when found stuck; waiting again only stalls this take's thread
            first = False
            if time.monotonic() >= deadline:
                # Without the lock lines still land whole and in turn (one O_APPEND write each, nothing shortens
                # the file): at worst an empty line (our newline after another's write seen under way) or a dead
                # fragment left as a line (:func:`_blank_dead`). Waiting on, this take's end went unwritten while
                # the holder stayed stuck, and the node's handler hung.
                pids, lines = lock_holding(path)
                _stuck[path] = (pids, lines, os.fstat(fd).st_size, _found_again(path, pids, lines))
                again = "not waited for again while the same " + ("holder keeps it" if pids else "lock is held")
                log.warning("the journal %s is locked by %s for over %g s, stopped or hung: a line appended without "
                            "its lock (%s)", path, _holders_text(pids), wait, again)
                return
            time.sleep(_POLL)
        except OSError as error:
            # Some network and FUSE mounts (a watched folder on a share, as the docs allow) refuse locks. Appending
            # without one is what every version before the lock did (a take-back blanks only its own bytes:
            # :func:`_blank`); refused, every take's end went unwritten and was redone at the next start.
            if error.errno not in _NO_LOCKS:
                raise
            return


def append_line(path: Path, line: bytes, drop_cut: bool, lock_wait: float = LOCK_WAIT) -> None:
    """Append ``line`` (ending in a newline) to the journal ``path`` (made if need be), whole or not at all, and
    flush it to disk.

    A last line without its newline is ended by a newline of ours. It may be another's write under way (an appender
    without the lock: ext4 shows a line's first part for a moment), left whole so, at worst an empty line between;
    or a write cut short whose take-back failed (or an older version's): where ``drop_cut`` (its reader takes no such
    line: its entry's write was told as failed) that one is blanked once our write shows it dead
    (:func:`_blank_dead`, which says what each case costs), else left (its reader skips a fragment). The lock tells
    neither apart: an appender without it may be writing while it is held. Held under an exclusive lock meanwhile,
    where the file system gives one: two stores of one folder (two nodes, or another run) may append to it. Another
    holder is waited for ``lock_wait`` seconds at most (:func:`_lock`).

    Nothing here shortens the file: an appender without the lock (its holder taken for stuck, a file system without
    locks) may append at any moment, and a cut at a size looked at before took its line too, or let the next line
    land where a cut fragment's writer then took its own bytes back: the other's line overwritten, and what was left
    of it read as an id. Bytes once written are only ever made newlines, by their own writer or as a fragment: a
    line at an offset is never another's."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        _lock(fd, path, lock_wait)
        end = os.lseek(fd, 0, os.SEEK_END)
        try:
            cut: tuple[int, bytes] | None = None
            if end and os.pread(fd, 1, end - 1) != b"\n":
                line = b"\n" + line  # at worst an empty line, where the end seen was another's write under way
                if drop_cut:
                    start = cut_line_start(fd, end)
                    cut = (start, os.pread(fd, end - start, start))
            _write_whole(fd, line, cut)
            _left(fd, path)
        except OSError as error:
            why = "the disk is full" if error.errno in _FULL else (error.strerror or str(error))
            raise OSError(error.errno, why, str(path)) from None
    finally:
        os.close(fd)


def _write_whole(fd: int, line: bytes, cut: tuple[int, bytes] | None = None) -> None:
    """Append ``line`` to ``fd`` (open with O_APPEND) in one write and flush it to disk; where that fails, take back
    what of it was written (:func:`_blank`) and raise. ``cut``: the last line seen without its newline before it (its
    offset and bytes), blanked where :func:`_blank_dead` shows no write was under way there.

    One write, not the rest after a short one: another appender's look at the file's end then sees our line whole,
    or a part of it while the write is under way (on ext4 a review counted ~1.4% of looks with two appenders), never
    a first part whose rest is left to a second write that others' lines could land before. A write comes up short
    only on a full disk, where the rest fails too."""
    wrote = 0
    try:
        wrote = os.write(fd, line)
        _blank_dead(fd, wrote, cut)
        if wrote < len(line):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.fsync(fd)
    except OSError:
        if wrote:
            at = os.lseek(fd, 0, os.SEEK_CUR) - wrote  # O_APPEND: the offset is the write's end now
            with contextlib.suppress(OSError):  # else the next append blanks or ends the cut line
                _blank(fd, at, line[:wrote])
        raise


def _blank_dead(fd: int, wrote: int, cut: tuple[int, bytes] | None) -> None:
    """Blank the line ``cut`` (offset, bytes) seen at the file's end before our write of ``wrote`` bytes, where that
    write landed just after it: nothing was written between our look and our write, so it was no write under way
    (whose rest would have landed first: a write to a local file holds the file's inode lock throughout, so
    O_APPEND writes land whole and in turn) but a dead writer's fragment, read back as an id else (``take-1`` of
    ``take-12``: that take taken for done, never passed on). Blanked before our line's own newline was written, a
    write under way lost its first part, its rest read as an id; the lock is no guard, an appender without it may be
    writing. Where another line landed between, the cut line is left, ended by our newline, and read as a line: the
    rest of a write under way makes it whole, as it should; a dead fragment (a full disk, its take-back failed, and
    another append that very moment) is then read as an id: that take (or a take whose id it begins) taken for
    done. A failure here leaves it so too: our line is written whole, and is not told as failed for it. Between our
    write and the blank (microseconds) a reader sees it as a line too: a start reading the journal just then costs
    the same. A fragment of a line cut short and blanked costs nothing: its writer was told it failed (its take
    passed on again at the next start); an empty line costs nothing either (every reader skips it)."""
    if cut is None or not wrote:
        return
    start, seen = cut
    if os.lseek(fd, 0, os.SEEK_CUR) - wrote == start + len(seen):
        with contextlib.suppress(OSError):
            _blank(fd, start, seen)


def _blank(fd: int, at: int, written: bytes) -> None:
    """Make ``written``, found at ``at``, newlines (blank lines, which every reader skips), where those bytes still
    hold it: in place, so no room is needed on a full disk and no later line moves.

    Cut back to the size the file had before (as this did), a line another appender wrote meanwhile went too (one
    going without the lock: :func:`_lock`); and where another had cut the fragment and appended at its offset
    since, newlines written over the offsets went over that one's line. Read back first, bytes not as written are
    another's (or blanked already) and left alone; nothing shortens the file (:func:`append_line`), so between the
    read and the write they can only be made newlines."""
    if not written or os.pread(fd, len(written), at) != written:
        return
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_APPEND)  # else pwrite appends (Linux)
    try:
        os.pwrite(fd, b"\n" * len(written), at)
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
