"""The unsaved-changes prompt answered *Save* on a patch with no file yet: the save-as dialog it opens, cancelled,
cancels what the prompt held (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.app import EditorApp
from tests.editor.harness import call


def save_as_in(folder: Path, name: str) -> None:
    """What typing ``name`` into the open save-as dialog, in ``folder``, and clicking Save does."""
    dialog = dialogs.OPEN["dialog:save_as"]
    dialog.go(folder)
    dpg.set_value("dialog:save_as:name", name)
    dialog.accept()


def test_a_save_as_cancelled_from_the_prompt_drops_the_new_patch_it_held(built_app: EditorApp,
                                                                        tmp_path: Path) -> None:
    app = built_app
    call("palette:relay")
    call("menu:new")
    call("prompt:save")  # no file yet: the save-as dialog opens
    assert "dialog:save_as" in dialogs.OPEN
    assert app.escape() and "dialog:save_as" not in dialogs.OPEN
    assert not app.model.pending and "relay" in app.model.patch.nodes
    call("palette:log")  # the composer works on, and saves later
    call("menu:save")
    save_as_in(tmp_path, "mine.yaml")
    assert app.model.path == tmp_path / "mine.yaml", app.status
    assert set(app.model.patch.nodes) == {"relay", "log"}  # not replaced by a new patch once saved


def test_a_save_as_cancelled_from_the_quit_prompt_does_not_quit_on_the_next_save(built_app: EditorApp,
                                                                                tmp_path: Path) -> None:
    app = built_app
    call("palette:relay")
    call("menu:quit")
    call("prompt:save")
    dialogs.OPEN["dialog:save_as"].cancel()  # its Cancel button
    assert "nothing saved" in app.status, app.status
    call("menu:save")
    save_as_in(tmp_path, "mine.yaml")
    assert (tmp_path / "mine.yaml").exists() and not app.quit_requested
