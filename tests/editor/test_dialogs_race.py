"""File dialogs answered and opened again between frames: a tag may name a new dialog before the frame loop's
collect() deletes the one answered with it, and callbacks queued for the old one run after it went.

The dialog's callbacks (Up, a double-click, the folder field, Esc, Ctrl+O) ran on Dear PyGui's own thread before
b35d12ff; they now run between frames (editor/callbacks.py), so the tests of a row deleted while the folder was
listed, of collect() run half-way through ask_path and of a dialog deleted while collect() walked them went: none
can happen now. (The fixture that empties the module's dialogs after each test is conftest's no_dialogs_left.)
"""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs


def test_dialogs_opened_and_replaced_between_two_frames_are_shown_by_the_next(context: None, tmp_path: Path) -> None:
    """Ctrl+O, then Save as, then Ctrl+O again, all callbacks of one frame's queue: the next collect() shows the two
    dialogs open, the replaced one gone with no answer (show_new() meets only dialogs drawn)."""
    first = dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path))
    other = dialogs.ask_path("dialog:save_as", "Save as", lambda path: None, default_path=str(tmp_path))
    second = dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path))
    dialogs.collect()
    assert dict(dialogs.OPEN) == {"dialog:save_as": other, "dialog:open": second} and first.closed
    assert dpg.get_item_configuration("dialog:open")["show"] and dpg.get_item_configuration("dialog:save_as")["show"]
    assert dpg.get_alias_id("dialog:open") == second.window


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
