"""An empty patch says how to begin once it opens: ``exsampling edit`` on a new file, an empty file opened, Ctrl+N
(widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from tests.editor.harness import call, open_editor

BEGIN = "click a type in the palette, or right-click the canvas, to add a node"


def test_a_new_file_opens_saying_how_to_begin(tmp_path: Path) -> None:
    # As `exsampling edit new.yaml` opens it (commands/edit.py): the path kept, the file not there yet.
    model = EditorModel(Registry.default())
    model.path = tmp_path / "new.yaml"
    dpg.create_context()
    try:
        app = EditorApp(model)
        app.build()
        app.frame()
        # It opened on a blank grid, the status bar empty: nothing said to click the palette.
        assert app.status == f"new patch: {BEGIN}", app.status
        app.frame()
        assert app.status == f"new patch: {BEGIN}", app.status  # said once
    finally:
        app.runner.stop()
        dpg.destroy_context()


def test_an_empty_file_opened_says_how_to_begin(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("exsampling_patch: 1\nname: p\nnodes: []\nlinks: []\n")
    (tmp_path / "empty.yaml").write_text("exsampling_patch: 1\nname: empty\nnodes: []\nlinks: []\n")
    with open_editor(tmp_path / "p.yaml") as app:
        app.frame()
        assert app.status == f"an empty patch: {BEGIN}", app.status
        app.files.open(tmp_path / "empty.yaml")
        app.frame()
        assert app.status == f"opened {tmp_path / 'empty.yaml'}; an empty patch: {BEGIN}", app.status
        call("menu:new")
        app.frame()
        assert app.status == f"new patch: {BEGIN}", app.status
