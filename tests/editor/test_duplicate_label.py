"""Ctrl+D undone or redone says "duplicate" in the status bar, not "paste" (the editor's edit actions, no
viewport)."""

from __future__ import annotations

from pathlib import Path

from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def test_a_duplicate_undone_and_redone_is_called_a_duplicate(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    with open_editor(tmp_path / "p.yaml") as app:
        assert app.duplicate(["log"]) == ["log_2"] and app.status == "duplicated 1 node"
        app.undo()
        assert app.status == "undid duplicate 1 node"
        app.redo()
        assert app.status == "redid duplicate 1 node"
        app.copy(["inbox", "library"])
        app.paste()
        app.undo()
        assert app.status == "undid paste 2 nodes"
