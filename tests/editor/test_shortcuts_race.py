"""A key handled while the inspector is rebuilt: an item listed as a child may be gone when it is walked.

Seen in a clean-clone CI run: the key test's editor printed a traceback from ``Shortcuts.typing`` ("Item not
found") when the inspector was rebuilt between listing a group's children and asking one of them for its own.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.shortcuts import Shortcuts


def test_descendants_skips_an_item_deleted_while_it_is_walked(context: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with dpg.window() as root:
        with dpg.group() as group:
            field = dpg.add_input_text()
        kept = dpg.add_text("kept")
    listed = dpg.get_item_children

    def rebuilt_meanwhile(item: int | str, slot: int = -1) -> object:
        children = listed(item)
        if item == root and dpg.does_item_exist(group):
            dpg.delete_item(group)  # the other thread rebuilds the inspector after the listing
        return children

    monkeypatch.setattr(dpg, "get_item_children", rebuilt_meanwhile)
    found = Shortcuts.descendants(root)
    assert root in found and kept in found
    assert group not in found and field not in found
