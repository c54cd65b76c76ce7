"""A folder source's journal that is there but cannot be read at a start (an I/O error): that start took it as
empty and rewrote it, so the takes in flight when the last run was killed were erased from it for good, never read
again. It is kept as it is now, the start says so, and the next start that can read it reads them again.

The I/O error is the kernel's own, as root gets it too (no permission refuses root): the journal is a link to a file
kept beside the folder, and for one start that file is a link to ``/proc/self/mem``, whose read at its start fails
with EIO (a card's flaky reader); put back, the journal reads again, unless that start replaced it."""

from __future__ import annotations

import time
from pathlib import Path

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_journal import journal_path

from .test_folder_journal import FAST, drop, killed_with_a_take_in_flight, read_files


def test_a_journal_that_cannot_be_read_is_kept_and_its_take_in_flight_read_at_the_next_start(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "before.wav")  # there before any run: left alone
    killed_with_a_take_in_flight(tmp_path, inbox)
    journal = journal_path(inbox, "inbox")
    kept = tmp_path / "card" / "journal"
    kept.parent.mkdir()
    journal.rename(kept)
    journal.symlink_to(kept)
    aside = kept.with_name("journal.aside")
    kept.rename(aside)
    kept.symlink_to("/proc/self/mem")  # read: "Input/output error"

    context = NodeContext(inbox)
    node = FolderSource("inbox", {"folder": str(inbox), **FAST}, context)
    node.start()
    try:
        time.sleep(0.4)  # files there at start would be read once unchanged for settle_time
    finally:
        node.stop()
    assert context.emitted == [] and context.errors == []
    warnings = [status["warning"] for status in context.statuses if status.get("warning")]
    assert warnings == [f"journal {journal} could not be read (Input/output error): kept as it is, and the 2 files "
                        "there now left alone: those in flight when the last run ended, or that arrived since, are "
                        "read at the next start that can read it"], context.statuses
    # not told as there before the first start, as include_existing would read (the console's line said so)
    assert [status["left_alone"] for status in context.statuses if "left_alone" in status] == [0]
    assert journal.is_symlink()  # not replaced by a journal that forgot cut.wav's take

    kept.unlink()
    aside.rename(kept)  # readable again (the card reseated)
    assert read_files(inbox, 1) == ["cut.wav"]  # the take cut off by the kill: read again, not lost
    assert read_files(inbox, 0) == []
