"""A journal lock's identity (:func:`~exsampling_patch.journal_lines.lock_holding`) where no pid is named holds while
other locks come and go.

It was each holder's whole line in /proc/locks, its position ("N:") too; that number shifts as any lock on the
machine is taken or let go (new ones are listed first). A holder with no pid shown (an OFD lock: -1) read as a new
holder at each look, and was waited for again (:data:`~exsampling_patch.journal_lines.LOCK_WAIT`) at every take.
Real locks here: an OFD lock on the journal, and a flock on another file taken on the same CPU (the kernel lists the
locks of each CPU newest first), which puts it ahead of the journal's."""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

from exsampling_patch.journal_lines import lock_holding


def _lines_of(path: Path) -> list[str]:
    inode = f":{path.stat().st_ino} "
    return [line for line in Path("/proc/locks").read_text().splitlines() if inode in line]


def test_a_holder_without_a_pid_is_the_same_lock_when_another_lock_comes_first(tmp_path: Path) -> None:
    journal = tmp_path / ".processed"
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})  # all locks on one CPU's list: a later one is listed first
    held = os.open(journal, os.O_RDWR | os.O_CREAT)
    beside: list[int] = []
    try:
        fcntl.fcntl(held, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        before, lines = lock_holding(journal), _lines_of(journal)
        assert before[0] == [] and len(lines) == 1 and " -1 " in lines[0]  # held, its pid not named
        while _lines_of(journal) == lines and len(beside) < 20:  # one does it, but for others' locks let go meanwhile
            beside.append(os.open(tmp_path / f"other-{len(beside)}", os.O_RDWR | os.O_CREAT))
            fcntl.flock(beside[-1], fcntl.LOCK_EX)
        assert _lines_of(journal) != lines  # its position moved: the case at hand
        assert lock_holding(journal) == before, "the same lock read as another holder's"
    finally:
        os.sched_setaffinity(0, cpus)
        for fd in (*beside, held):
            os.close(fd)
