"""The file dialog's rows while another thread changes them: a row listed may be gone when it is deleted.

Dear PyGui runs the dialog's callbacks (Up, a double-click, the folder field) on its own thread, apart from the
frame loop, so the table a folder is listed into can change between listing its rows and deleting each.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor import dialogs


@pytest.fixture
def context() -> Iterator[None]:
    dpg.create_context()
    try:
        yield
    finally:
        dialogs.OPEN.clear()
        dialogs._finished.clear()
        dpg.destroy_context()


def test_listing_a_folder_skips_a_row_deleted_after_the_rows_were_listed(context: None, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        (tmp_path / name).write_text("")
    dialog = dialogs.ask_path("dialog:test", "Open", lambda path: None, default_path=str(tmp_path))
    table = f"{dialog.tag}:table"
    listed = dpg.get_item_children

    def deleted_meanwhile(item: int | str, slot: int = -1) -> object:
        rows = listed(item, slot)
        if item == table and rows:
            dpg.delete_item(rows[0])  # the other thread after the listing
        return rows

    monkeypatch.setattr(dpg, "get_item_children", deleted_meanwhile)
    dialog.go(tmp_path)
    monkeypatch.undo()
    rows = dpg.get_item_children(table, 1) or []
    assert len(rows) == len(dialog.entries) == 3
    assert dpg.get_item_label(f"{dialog.tag}:entry:0") == "a.yaml"


def test_showing_new_dialogs_skips_one_opened_or_deleted_while_they_are_walked(
        context: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = dialogs.ask_path("dialog:first", "Open", lambda path: None, default_path=str(tmp_path))
    second = dialogs.ask_path("dialog:second", "Open", lambda path: None, default_path=str(tmp_path))
    configuration = dpg.get_item_configuration

    def meanwhile(item: int | str) -> dict[str, object]:
        found = configuration(item)
        if item == first.tag and dpg.does_item_exist(second.tag):
            # the callback thread, after collect() listed the dialogs: one replaced, one more opened
            dpg.delete_item(second.tag)
            dialogs.ask_path("dialog:third", "Open", lambda path: None, default_path=str(tmp_path))
        return found

    monkeypatch.setattr(dpg, "get_item_configuration", meanwhile)
    dialogs.collect()
    monkeypatch.undo()
    assert dpg.get_item_configuration(first.tag)["show"]
    assert not dpg.does_item_exist(second.tag)
    assert not dpg.get_item_configuration("dialog:third")["show"]  # shown by the next frame's collect()
    dialogs.collect()
    assert dpg.get_item_configuration("dialog:third")["show"]
