"""One engine stopped and started again: a folder source of the last run opening its journal once the new run has
begun (its start() late, on a thread of its own) took the place of the new run's record of the takes it passed on,
and the end of the new run's take was then written nowhere: its file was read again at the next start."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch import ANY, Input, Node
from exsampling_patch.nodes.folder_journal import FolderJournal, journal_path, write_end
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine


class Idle(Node):
    type_name = "t_journal_again"
    inlet = Input(ANY)

    def on_inlet(self, message: object) -> None:
        """Its messages are none of the test's: only its context is."""


def one_node() -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("src", "t_journal_again"))
    return patch


def test_the_last_runs_node_opening_the_journal_keeps_the_new_runs_ends(tmp_path: Path) -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Idle, "test")
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(one_node())
    old = engine.node("src").context
    engine.stop()
    engine.start(one_node())
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
