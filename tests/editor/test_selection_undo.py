"""The nodes the editor marks as selected (added, pasted) follow undo and redo: a node undone is not marked any
more, and redo brings it back unmarked, so that Delete or Ctrl+C do not act on a node the user did not pick."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EditorApp]:
    (tmp_path / "exsampling.yaml").write_text(PATCH)
    with open_editor(tmp_path / "exsampling.yaml") as editor:
        yield editor


def marked(app: EditorApp, node_id: str) -> bool:
    return bool(dpg.get_item_theme(f"node:{node_id}") == app.patch_view._themes["chosen"])


def test_a_pasted_node_undone_and_redone_is_not_marked(app: EditorApp) -> None:
    app.copy(["library"])
    [pasted] = app.paste()
    assert marked(app, pasted) and app.selection() == [pasted]
    app.undo()
    assert pasted not in app.model.patch.nodes and app.patch_view.chosen == [] and app.selection() == []
    app.redo()
    assert pasted in app.model.patch.nodes
    assert not marked(app, pasted) and app.selection() == []  # not picked by the user: Delete leaves it alone


def test_an_added_node_undone_and_added_again_under_its_id_is_marked_once(app: EditorApp) -> None:
    added = app.add_node("log", (900.0, 80.0))
    assert added is not None and marked(app, added)
    app.undo()
    assert app.selection() == [] and app.patch_view.chosen == []
    app.redo()
    assert not marked(app, added) and app.selection() == []
    app.undo()
    again = app.add_node("log", (900.0, 300.0))  # the same id again: this one is the selection
    assert again == added and marked(app, again) and app.selection() == [again]
