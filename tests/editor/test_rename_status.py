"""The status bar after a rename asked for from the node menu says it is done, through the inspector's id field
(its callback, as Enter there runs it)."""

from __future__ import annotations

from pathlib import Path

from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH


def test_the_status_says_the_rename_is_done_not_to_type_one(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    with open_editor(tmp_path / "p.yaml") as app:
        app.rename("log")
        assert app.status == "type a new id for log and press Enter", app.status
        call(f"{app.inspector.tag}:id", "console")
        assert "console" in app.model.patch.nodes
        # It said "type a new id for log and press Enter" still, with no node 'log' left.
        assert app.status == "renamed log to console", app.status
        app.undo()
        assert "log" in app.model.patch.nodes and app.status.startswith("undid "), app.status  # undo says its own
