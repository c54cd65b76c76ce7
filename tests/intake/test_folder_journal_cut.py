"""The folder source's journal after a line a full disk cut short: the next line appended is read on its own.

Appended onto the cut line, it was read as part of it and skipped: a take's end written then was lost, and its
file read again at the next start (its take loaded twice). A file size limit cuts the line here, for real (EFBIG,
in a child process, where the write past it fails as on a full disk)."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

from exsampling_patch.nodes.folder_journal import FolderJournal, journal_path


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
    print(error.errno)
"""


def test_a_takes_end_written_after_a_line_cut_short_is_read(tmp_path: Path) -> None:
    path = journal_path(tmp_path, "inbox")
    run = Run()
    journal = FolderJournal(path, run)
    journal.passed_on("take-a", ("a.wav", (1, 1)))
    cut = subprocess.run([sys.executable, "-c", CUT_SHORT, str(path)], capture_output=True, text=True, check=True)
    assert cut.stdout.split() == [str(errno.EFBIG)], cut
    assert not path.read_text(encoding="utf-8").endswith("\n")
    journal.ended("take-a")
    record = FolderJournal(path, Run()).load()  # as the next run reads it
    assert record.ended == {("a.wav", (1, 1)): True}
