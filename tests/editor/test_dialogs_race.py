"""File dialogs while another thread changes them: a row listed may be gone when it is deleted, and a tag may
name a new dialog before the frame loop deletes the one answered with it.

Dear PyGui runs the dialog's callbacks (Up, a double-click, the folder field, Esc, Ctrl+O) on its own thread,
apart from the frame loop, whose collect() deletes the answered dialogs and shows the new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor import dialogs


@pytest.fixture(autouse=True)
def no_dialogs_left() -> Iterator[None]:
    yield
    dialogs.OPEN.clear()
    dialogs._finished.clear()


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
        if item in (first.tag, first.window) and dpg.does_item_exist(second.tag):
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


def test_a_dialog_cancelled_and_opened_again_before_a_frame_survives_that_frame(context: None,
                                                                                tmp_path: Path) -> None:
    """Esc then Ctrl+O, both on the callback thread before the frame loop's collect(): the tag is the new dialog's,
    and collect() must delete only the dialog that was answered."""
    (tmp_path / "a.yaml").write_text("")
    chosen: list[str] = []
    first = dialogs.ask_path("dialog:open", "Open", chosen.append, default_path=str(tmp_path))
    first.cancel()
    second = dialogs.ask_path("dialog:open", "Open", chosen.append, default_path=str(tmp_path))
    dialogs.collect()  # the next frame
    assert list(dialogs.OPEN.items()) == [("dialog:open", second)]
    assert dpg.get_item_configuration("dialog:open")["show"]
    assert dpg.get_value("dialog:open:folder") == str(tmp_path.resolve())
    second.activate(0)  # a double-click on a.yaml
    assert chosen == [str(tmp_path.resolve() / "a.yaml")]
    dialogs.collect()
    assert not dpg.does_item_exist("dialog:open") and dialogs.OPEN == {}


def test_a_frame_while_a_dialog_is_opened_again_leaves_the_new_one_be(context: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The frame loop's collect() runs while the callback thread builds the dialog opened again with the tag."""
    (tmp_path / "a.yaml").write_text("")
    dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path)).cancel()
    listing = dialogs.list_folder

    def frame_meanwhile(folder: Path, extensions: tuple[str, ...], directories_only: bool) -> list[dialogs.Entry]:
        dialogs.collect()  # the frame loop, after the window was made and before its rows are
        return listing(folder, extensions, directories_only)

    monkeypatch.setattr(dialogs, "list_folder", frame_meanwhile)
    second = dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path))
    monkeypatch.undo()
    assert list(dialogs.OPEN.items()) == [("dialog:open", second)]
    assert dpg.get_item_label("dialog:open:entry:0") == "a.yaml"


def test_callbacks_queued_for_a_dialog_already_deleted_do_nothing(context: None, tmp_path: Path) -> None:
    """A click, double-click or Enter queued on the callback thread behind Esc, run after collect() deleted it."""
    (tmp_path / "a.yaml").write_text("")
    chosen: list[str] = []
    dialog = dialogs.ask_path("dialog:open", "Open", chosen.append, default_path=str(tmp_path))
    dialog.cancel()
    dialogs.collect()
    assert not dpg.does_item_exist("dialog:open")
    dialog._on_click("dialog:open:entry:0", True, 0)
    dialog.activate(0)
    dialog.go(tmp_path)
    dialog.accept()
    assert chosen == [] and dialogs.OPEN == {}


def test_callbacks_queued_for_a_dialog_opened_again_leave_the_new_one_be(context: None, tmp_path: Path) -> None:
    """Keys and clicks queued behind Esc for the old dialog, run once the same tag names a new one."""
    (tmp_path / "a.yaml").write_text("")
    chosen: list[str] = []
    first = dialogs.ask_path("dialog:open", "Open", chosen.append, default_path=str(tmp_path))
    first.cancel()
    second = dialogs.ask_path("dialog:open", "Open", chosen.append, default_path=str(tmp_path))
    first.go(tmp_path.parent)
    first._on_click("dialog:open:entry:0", True, 0)
    first.cancel()
    dialogs.collect()
    assert list(dialogs.OPEN.items()) == [("dialog:open", second)]
    assert dpg.get_value("dialog:open:folder") == str(tmp_path.resolve())
    assert dpg.get_value("dialog:open:name") == "" and chosen == []
