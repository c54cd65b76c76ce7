"""A save that fails says why in the message window, in a composer's words (the folder and the reason, not the
temporary file of the atomic write), and drops what the unsaved-changes prompt held (widgets driven through
their callbacks, no viewport)."""

from __future__ import annotations

import shutil
from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH


def test_ctrl_s_into_a_folder_gone_says_so_in_the_message_window(tmp_path: Path) -> None:
    show = tmp_path / "stick"  # a USB stick, pulled out while the patch is open
    show.mkdir()
    (show / "set.yaml").write_text(PATCH)
    with open_editor(show / "set.yaml") as app:
        call("palette:relay")
        shutil.rmtree(show)
        call("menu:save")
        text = dpg.get_value("message:text")
        assert "message" in dialogs._due and dpg.get_item_label("message") == "Cannot save"
        assert text == app.status, app.status
        assert text.startswith(f"cannot save set.yaml: the folder {show} does not exist"), text
        assert ".tmp" not in text and "Errno" not in text, text
        assert app.model.dirty


def test_a_save_that_fails_from_the_quit_prompt_does_not_quit_on_a_later_save(tmp_path: Path) -> None:
    show = tmp_path / "stick"
    show.mkdir()
    (show / "set.yaml").write_text(PATCH)
    with open_editor(show / "set.yaml") as app:
        call("palette:relay")
        shutil.rmtree(show)
        call("menu:quit")
        call("prompt:save")
        assert "does not exist" in dpg.get_value("message:text") and "stays open" in app.status, app.status
        assert not app.model.pending
        assert app.save_as(tmp_path / "elsewhere.yaml")
        assert not app.quit_requested and "relay" in app.model.patch.nodes


def test_a_patch_file_made_read_only_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "finished.yaml").write_text(PATCH)
    (tmp_path / "finished.yaml").chmod(0o444)  # kept as it is, on purpose
    with open_editor(tmp_path / "finished.yaml") as app:
        call("palette:relay")
        call("menu:save")
        assert (tmp_path / "finished.yaml").read_text() == PATCH  # the atomic rename replaced it all the same
        text = dpg.get_value("message:text")
        assert text.startswith("cannot save finished.yaml: finished.yaml is read-only"), text
        assert app.model.dirty and [p.name for p in tmp_path.iterdir()] == ["finished.yaml"]  # no temporary left
        assert app.save_as(tmp_path / "copy.yaml") and "relay" in (tmp_path / "copy.yaml").read_text()
