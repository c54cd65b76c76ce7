"""One engine stopped and started again: a folder source of the last run opening its journal once the new run has
begun (its start() late, on a thread of its own) took the place of the new run's record of the takes it passed on,
and the end of the new run's take was then written nowhere: its file was read again at the next start."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.folder_journal import FolderJournal, journal_path, write_end
from tests.core.run_again import Quiet, engine_of, last_run_nodes, quiet


def test_the_last_runs_node_opening_the_journal_keeps_the_new_runs_ends(tmp_path: Path) -> None:
    engine = engine_of(Quiet, workers=1)
    old = last_run_nodes(engine, quiet("src"), "src")[0].context
    engine.start(quiet("src"))
    try:
        new = engine.node("src").context
        path = journal_path(tmp_path, "src")
        entry = ("a.wav", (480, 1))
        journal = FolderJournal(path, new)
        journal.passed_on("new take", entry)
        FolderJournal(path, old)  # the last run's node, late
        write_end(new, "new take")
        assert FolderJournal(path, new).load().ended == {entry: True}
    finally:
        engine.stop()
