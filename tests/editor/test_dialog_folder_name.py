"""A folder's name typed into a file dialog's name field goes into that folder, as a double-click on it does
(widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH


def test_a_folder_typed_as_the_name_is_gone_into(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    (tmp_path / "shows").mkdir()
    with open_editor(tmp_path / "p.yaml") as app:
        call("palette:relay")
        call("menu:save_as")
        dialog = dialogs.OPEN["dialog:save_as"]
        dpg.set_value("dialog:save_as:name", "shows")
        dialog.accept()  # Enter
        assert not (tmp_path / "shows.yaml").exists() and "dialog:save_as" in dialogs.OPEN
        assert dialog.folder == tmp_path / "shows" and dpg.get_value("dialog:save_as:name") == ""
        dpg.set_value("dialog:save_as:name", "tonight")
        dialog.accept()
        assert app.model.path == tmp_path / "shows" / "tonight.yaml" and "dialog:save_as" not in dialogs.OPEN
        call("menu:open")
        dialog = dialogs.OPEN["dialog:open"]
        dpg.set_value("dialog:open:name", "..")
        dialog.accept()
        assert dialog.folder == tmp_path and "dialog:open" in dialogs.OPEN
