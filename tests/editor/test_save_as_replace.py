"""Save as onto another patch already there replaces it only when chosen a second time; the dialog says so the
first time (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH
from tests.editor.test_save_prompt import save_as_in

OTHER = "exsampling_patch: 1\nname: last night's set\nnodes: []\nlinks: []\n"


def test_save_as_onto_another_patch_asks_first_then_replaces_it(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(PATCH)
    (tmp_path / "other.yaml").write_text(OTHER)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:save_as")
        save_as_in(tmp_path, "other")  # ".yaml" is added: the other patch
        assert (tmp_path / "other.yaml").read_text() == OTHER  # not replaced unasked
        assert "dialog:save_as" in dialogs.OPEN and app.model.path == tmp_path / "set.yaml"
        assert dpg.get_item_configuration("dialog:save_as:warning")["show"]
        assert dpg.get_value("dialog:save_as:warning") == "other.yaml is there already: Save again replaces it"
        dialogs.OPEN["dialog:save_as"].accept()  # Save again
        assert "relay" in (tmp_path / "other.yaml").read_text() and app.model.path == tmp_path / "other.yaml"
        assert "dialog:save_as" not in dialogs.OPEN


def test_save_as_onto_its_own_file_or_a_new_name_asks_nothing(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(PATCH)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:save_as")
        save_as_in(tmp_path, "set.yaml")  # its own file: Save
        assert "relay" in (tmp_path / "set.yaml").read_text() and "dialog:save_as" not in dialogs.OPEN
        call("palette:log")
        call("menu:save_as")
        save_as_in(tmp_path, "new.yaml")
        assert app.model.path == tmp_path / "new.yaml" and "dialog:save_as" not in dialogs.OPEN


def test_the_warning_goes_when_another_folder_is_shown(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(PATCH)
    (tmp_path / "other.yaml").write_text(OTHER)
    (tmp_path / "sub").mkdir()
    with open_editor(tmp_path / "set.yaml"):
        call("menu:save_as")
        save_as_in(tmp_path, "other.yaml")
        assert dpg.get_item_configuration("dialog:save_as:warning")["show"]
        dialogs.OPEN["dialog:save_as"].go(tmp_path / "sub")  # a double-click on the folder
        assert not dpg.get_item_configuration("dialog:save_as:warning")["show"]  # no other.yaml there
