"""Journals on a file system that gives no locks (some network and FUSE mounts: a watched folder on a share).

The append's exclusive lock (exsampling_patch/journal_lines.py) raised there (ENOLCK, EOPNOTSUPP, EINVAL), and
every take's end went unwritten: the take store's and the folder source's, each take redone at the next start.
Before the lock they were written; now they are again, without it.

``fcntl.flock`` is refused as such a mount refuses it, with the errno it gives, by a monkeypatch: no real mount
that refuses it can be made here. flock is the kernel's own on every local file system (ext4, xfs, btrfs, tmpfs,
overlay, squashfs: those of this machine and of CI), which never refuses it; only file systems with a lock service
of their own (NFS, CIFS, 9p, FUSE with its flock operation) can, and none can be mounted in a test: NFS, CIFS and 9p
need a server, FUSE needs /dev/fuse and CAP_SYS_ADMIN (a CI container has neither) and a FUSE library (none is
installed: writing the FUSE protocol here would be a test harness larger than the code it tests).
"""

from __future__ import annotations

import errno
import fcntl
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.journal_lines import append_line
from exsampling_patch.messages import Take
from exsampling_patch.nodes.folder_journal import FolderJournal, journal_path
from exsampling_patch.takes import TakeStore

NO_LOCKS = [errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL]


class Run:
    """A run's context, as a folder journal tells runs apart (the runtime's, weakly referenced)."""


def refuse_locks(monkeypatch: pytest.MonkeyPatch, code: int) -> list[int]:
    """``fcntl.flock`` refuses with ``code`` from now on; the list gets each lock asked for."""
    asked: list[int] = []

    def refused(fd: int, operation: int) -> None:
        asked.append(operation)
        raise OSError(code, "refused by the file system")

    monkeypatch.setattr(fcntl, "flock", refused)
    return asked


@pytest.mark.parametrize("code", NO_LOCKS)
def test_the_take_store_writes_a_take_done_where_no_lock_is_given(tmp_path: Path, code: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store = TakeStore(tmp_path)
    take = store.store(Take(np.zeros(480, np.float32), 48000, take_id="mic-1"))
    asked = refuse_locks(monkeypatch, code)
    store.mark_processed(take)
    assert asked  # the lock was asked for, and refused
    assert TakeStore(tmp_path).unfinished() == []  # not redone at the next start
    assert (tmp_path / ".processed").read_bytes() == b"mic-1\n"


@pytest.mark.parametrize("code", NO_LOCKS)
def test_the_folder_journal_writes_a_take_ended_where_no_lock_is_given(tmp_path: Path, code: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = journal_path(tmp_path, "inbox")
    asked = refuse_locks(monkeypatch, code)
    journal = FolderJournal(path, Run())
    journal.passed_on("take-a", ("a.wav", (1, 1)))
    journal.ended("take-a")
    assert len(asked) == 2
    record = FolderJournal(path, Run()).load()  # as the next run reads it
    assert record.ended == {("a.wav", (1, 1)): True}


def test_a_line_cut_short_before_is_still_dropped_without_a_lock(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".processed"
    path.write_bytes(b"mic-1\nmic-")
    refuse_locks(monkeypatch, errno.ENOLCK)
    append_line(path, b"mic-2\n", drop_cut=True)
    # blanked in place once the append landed just after it (no write under way there): nothing shortens the journal
    assert path.read_bytes() == b"mic-1\n\n\n\n\n\nmic-2\n"


def test_another_error_of_the_lock_is_still_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".processed"
    refuse_locks(monkeypatch, errno.EIO)
    with pytest.raises(OSError) as raised:
        append_line(path, b"mic-1\n", drop_cut=True)
    assert raised.value.errno == errno.EIO
    assert path.read_bytes() == b""
