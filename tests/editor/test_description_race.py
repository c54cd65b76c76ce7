"""The patch description swapped back to its wrapped text on Dear PyGui's callback thread (the field was left)
while the frame loop rebuilds the inspector for a node clicked: its widgets may go between the check and the use."""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp


def test_the_description_swap_skips_widgets_deleted_meanwhile(built_app: EditorApp,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    built_app.model.set_info("description", "A long description")
    assert dpg.does_item_exist("patch:description:shown")
    get_value = dpg.get_value

    def rebuilt_meanwhile(item: int | str) -> Any:
        value = get_value(item)
        if item == "patch:description":
            dpg.delete_item("patch:description:shown")  # the frame loop's rebuild, after the check
        return value

    monkeypatch.setattr(dpg, "get_value", rebuilt_meanwhile)
    built_app.inspector._show_description(editing=False)  # what leaving the field runs; must not raise
    monkeypatch.undo()
    assert built_app.model.patch.description == "A long description"
