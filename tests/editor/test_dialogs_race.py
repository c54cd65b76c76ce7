"""File dialogs answered and opened again between frames: a tag may name a new dialog before the frame loop's
collect() deletes the one answered with it, and callbacks queued for the old one run after it went.

The dialog's callbacks (Up, a double-click, the folder field, Esc, Ctrl+O) ran on Dear PyGui's own thread before
b35d12ff; they now run between frames (editor/callbacks.py), so the tests of a row deleted while the folder was
listed and of collect() run half-way through ask_path went: neither can happen now.
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
