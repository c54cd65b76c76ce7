"""A patch file with YAML comments (a composer's notes): the first Save over it says that the editor does not
keep them and saves only when asked again (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.file_actions import comment_lines
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH

NOTED = PATCH.replace("nodes:\n", "# inbox: the phone takes land here\nnodes:\n").replace(
    "- id: log\n", "- id: log   # watch this one at the show\n")


def test_comment_lines_are_the_hashes_outside_values() -> None:
    text = ("name: set #1   # a note\ndescription: |\n  a # in a block of text\nnodes:  # the nodes\n"
            "- {id: a, type: log, params: {prefix: 'x # y', tag: a#b}}\n# a whole line\nlinks: []\n")
    assert comment_lines(text) == [1, 4, 6]
    assert comment_lines(PATCH) == []


def test_the_first_save_over_a_file_with_comments_asks_first(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(NOTED)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:save")
        assert (tmp_path / "set.yaml").read_text() == NOTED and app.model.dirty
        assert dpg.get_item_label("message") == "Comments are not kept"
        text = dpg.get_value("message:text")
        assert text.startswith("set.yaml has 2 comment lines (# ..., lines 3, 15), which the editor does not "
                               "keep. Save again"), text
        call("menu:save")  # again: saved, without them
        assert "relay" in (tmp_path / "set.yaml").read_text() and not app.model.dirty
        assert comment_lines((tmp_path / "set.yaml").read_text()) == []


def test_the_prompts_save_over_a_file_with_comments_asks_first_and_keeps_the_patch_open(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(NOTED)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:new")
        call("prompt:save")
        assert (tmp_path / "set.yaml").read_text() == NOTED
        assert "relay" in app.model.patch.nodes and not app.model.pending, app.status
        assert app.status.endswith("The patch stays open."), app.status


def test_a_file_opened_again_with_comments_asks_again(tmp_path: Path) -> None:
    """Told once for a file, the editor went on saving over it without a word after it was opened again, its
    comments written back meanwhile (another file opened in between, or the same one)."""
    (tmp_path / "set.yaml").write_text(NOTED)
    (tmp_path / "other.yaml").write_text(PATCH)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:save")
        call("menu:save")  # told, then saved without them
        assert comment_lines((tmp_path / "set.yaml").read_text()) == []
        (tmp_path / "set.yaml").write_text(NOTED)  # the notes written back in a text editor
        assert app.open(tmp_path / "other.yaml") and app.open(tmp_path / "set.yaml")
        call("palette:relay")
        call("menu:save")
        assert (tmp_path / "set.yaml").read_text() == NOTED and app.model.dirty
        assert dpg.get_item_label("message") == "Comments are not kept"
