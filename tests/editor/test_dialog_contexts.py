"""File dialogs and windows due of a Dear PyGui context that is gone leave the next context's items be: item ids
start again with each context, and a dialog left open by the first named the second's items by its ids (Esc hid and
then deleted another window, and said a dialog was open)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs


def test_a_dialog_of_a_context_that_is_gone_leaves_the_next_contexts_items_be(tmp_path: Path) -> None:
    cancelled: list[str] = []
    dpg.create_context()
    try:
        stale = dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path),
                                 on_cancel=lambda: cancelled.append("stale"))
        dialogs.show_later("message", width=400)  # asked, never shown: the context went first
    finally:
        dpg.destroy_context()
    dpg.create_context()
    try:
        windows = []
        while not dpg.does_item_exist(stale.window):  # a window of this context gets the dialog's id
            windows.append(dpg.add_window(label="performance"))
            assert len(windows) < 1000, "ids did not start again"
        dpg.add_window(tag="message", show=False)
        assert not dialogs.any_open()
        assert not dialogs.cancel_open()  # Esc: nothing of this context to cancel
        dialogs.collect()
        assert dpg.does_item_exist(stale.window) and dpg.get_item_configuration(stale.window)["show"]
        assert not dpg.get_item_configuration("message")["show"]
        assert cancelled == [] and dialogs.OPEN == {}
        # this context's own dialog is as ever: open, then cancelled by Esc and deleted by the next frame
        mine = dialogs.ask_path("dialog:open", "Open", lambda path: None, default_path=str(tmp_path),
                                on_cancel=lambda: cancelled.append("mine"))
        dialogs.collect()
        assert dialogs.any_open() and dpg.get_item_configuration(mine.window)["show"]
        assert dialogs.cancel_open() and cancelled == ["mine"]
        dialogs.collect()
        assert not dpg.does_item_exist(mine.window) and dpg.does_item_exist(stale.window)
    finally:
        dpg.destroy_context()
