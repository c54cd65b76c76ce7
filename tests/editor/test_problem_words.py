"""Problems told in the editor's terms: no ``<patch>:`` file name of the command line's ``FILE:LINE:``, a missing
parameter set in the inspector rather than "under params", the node types in the palette rather than in
``exsampling nodes`` (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.problem_words import editor_hint
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EditorApp]:
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "exsampling.yaml").write_text(PATCH)
    with open_editor(tmp_path / "patches" / "exsampling.yaml") as editor:
        yield editor


def test_an_edit_not_swapped_in_says_why_in_the_editors_terms(app: EditorApp) -> None:
    call("menu:run")
    assert app.runner.running, app.status
    try:
        call("palette:folder_source")  # its folder is required: the edit cannot run, the old plan runs on
        for _ in range(200):
            app.frame()
            if "edit not applied" in dpg.get_value("statusbar"):
                break
            time.sleep(0.01)
        status = dpg.get_value("statusbar")
        assert "edit not applied: the patch runs on as before: node 'folder_source': required parameter 'folder' " \
               "is missing (set it in the inspector: the folder to watch)" in status, status
        assert "<patch>" not in status and "under params" not in status, status
        shown = dpg.get_value("problem:folder_source")  # on the node, and in the inspector, which shows it
        assert shown == "required parameter 'folder' is missing (set it in the inspector: the folder to watch)"
        assert "set it in the inspector" in dpg.get_value("inspector:problems")
    finally:
        call("menu:stop")


def test_an_unknown_type_points_to_the_palette(tmp_path: Path) -> None:
    path = tmp_path / "unknown.yaml"
    path.write_text(PATCH.replace("links:\n", "- id: odd\n  type: zqxjvw\n  position: [40, 400]\nlinks:\n"))
    with open_editor(path) as app:
        shown = dpg.get_value("problem:odd")
        assert "unknown node type 'zqxjvw'" in shown and "the palette lists the known types" in shown, shown
        rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app.problems_panel.problems))]
        assert any("the palette lists the known types" in row for row in rows), rows
        assert not any("exsampling nodes" in row for row in rows), rows


def test_other_hints_are_kept() -> None:
    assert editor_hint("did you mean 'trim'?") == "did you mean 'trim'?"
    assert editor_hint("") == ""
