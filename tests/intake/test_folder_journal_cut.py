"""The folder source's journal after a line a full disk cut short: the cut line is taken back and told, and the
next line appended is read on its own.

Appended onto the cut line, it was read as part of it and skipped: a take's end written then was lost, and its
file read again at the next start (its take loaded twice). A file size limit cuts the line here, for real (EFBIG,
in a child process, where the write past it fails as on a full disk)."""

from __future__ import annotations

import errno
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_journal import FolderJournal, journal_path

from .test_folder_journal import FAST, drop


class Run:
    """A run's context, as a journal tells runs apart (the runtime's, weakly referenced)."""


CUT_SHORT = """
import os, resource, signal, sys
from pathlib import Path
from exsampling_patch.nodes.folder_journal import FolderJournal

class Run:
    pass

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
path = Path(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 9, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    FolderJournal(path, Run()).passed_on("take-b", ("b.wav", (2, 2)))
except OSError as error:
    print(error.errno, error.strerror, error.filename, sep="|")
"""


def test_a_takes_end_written_after_a_line_cut_short_is_read(tmp_path: Path) -> None:
    path = journal_path(tmp_path, "inbox")
    run = Run()
    journal = FolderJournal(path, run)
    journal.passed_on("take-a", ("a.wav", (1, 1)))
    before = path.read_bytes()
    cut = subprocess.run([sys.executable, "-c", CUT_SHORT, str(path)], capture_output=True, text=True, check=True,
                         timeout=60)
    assert cut.stdout.strip() == f"{errno.ENOSPC}|the disk is full|{path}", cut  # its write came up short
    assert path.read_bytes() == before + b"\n" * 9  # taken back: no part of it stays (blank lines, skipped)
    journal.ended("take-a")
    record = FolderJournal(path, Run()).load()  # as the next run reads it
    assert record.ended == {("a.wav", (1, 1)): True}


def test_a_line_left_cut_short_is_ended_and_a_whole_one_read(tmp_path: Path) -> None:
    """As a run whose take-back failed too left it (or an older version): a part of a line is skipped and ended
    before the next line; a last line whose newline alone was cut says what is so, and is read."""
    path = journal_path(tmp_path, "inbox")
    path.write_bytes(b'{"file": "a.wav", "size": 1, "mtime_ns": 1, "done": false, "take": "take-a"}\n'
                     b'{"file": "b.wav", "size": 2, "mtime_ns": 2, "done": tr')
    FolderJournal(path, Run()).done(("c.wav", (3, 3)))
    path.write_bytes(path.read_bytes() + b'{"file": "a.wav", "size": 1, "mtime_ns": 1, "done": true}')
    record = FolderJournal(path, Run()).load()
    assert record.ended == {("a.wav", (1, 1)): True, ("c.wav", (3, 3)): True}


def test_a_line_the_full_disk_refused_is_told_naming_the_journal(tmp_path: Path) -> None:
    """The journal on a disk with no room at all (``/dev/full``, where each write fails as on a full disk): the
    node's error said only "journal not written ([Errno 28] No space left on device)", naming no file."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    journal = journal_path(inbox, "inbox")
    context = NodeContext(inbox)
    node = FolderSource("inbox", {"folder": str(inbox), **FAST}, context)
    node.start()
    try:
        journal.unlink()
        journal.symlink_to("/dev/full")  # after the start's rewrite: read, it never ends
        drop(inbox, "kick.wav")
        deadline = time.monotonic() + 20
        while not context.emitted and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        node.stop()
        journal.unlink()
    assert [Path(take.path).name for _, take in context.emitted] == ["kick.wav"]  # passed on all the same
    errors = {str(error) for error in context.errors}  # its passing on's line, and its end's
    assert errors == {f"journal not written (the disk is full: {journal})"}, context.errors
