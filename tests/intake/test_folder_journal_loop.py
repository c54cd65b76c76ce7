"""A folder source's journal path that is a symbolic link leading back to itself: the start took it for a journal it
could not read and kept it, then each take said "journal not written". The start now says so once, naming the
link, and goes on without a journal (as with a folder in its way)."""

from __future__ import annotations

import time
from pathlib import Path

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_journal import journal_path

from .test_folder_journal import FAST, drop


def test_a_journal_that_is_a_link_loop_is_told_at_start_not_at_each_take(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    journal = journal_path(inbox, "inbox")
    journal.symlink_to(journal.name)  # leads to itself
    context = NodeContext(inbox)
    node = FolderSource("inbox", {"folder": str(inbox), **FAST}, context)
    node.start()
    try:
        drop(inbox, "kick.wav")
        deadline = time.monotonic() + 20
        while not context.emitted and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        node.stop()
    assert [Path(take.path).name for _, take in context.emitted] == ["kick.wav"]
    assert context.errors == []  # before: "journal not written ([Errno 40] Too many levels of symbolic links ...)"
    warnings = [status["warning"] for status in context.statuses if status.get("warning")]
    assert warnings == [f"no journal ({journal} is a symbolic link that leads back to itself: remove it): a take in "
                        "flight when the process ends is not read again at the next start"], context.statuses
    assert journal.is_symlink()  # left as it is: the performer's to mend
