"""Nodes marked as selected while one is deleted: a node listed may be gone when its theme is bound.

The frame loop (main thread) unmarks the nodes when the canvas's own selection changes, while Dear PyGui's
callback thread may delete a node (Del, the menus) between :meth:`PatchView.choose` finding it and binding it.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp


def test_choosing_skips_a_node_deleted_just_before_its_theme_is_bound(built_app: EditorApp,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    kept, gone = built_app.model.add_node("relay", (40, 40)), built_app.model.add_node("relay", (300, 40))
    bind = dpg.bind_item_theme

    def deleted_meanwhile(item: int | str, theme: int | str) -> None:
        if item == f"node:{gone}" and dpg.does_item_exist(item):
            dpg.delete_item(item)  # Del on the callback thread, after choose() found the node
        bind(item, theme)

    monkeypatch.setattr(dpg, "bind_item_theme", deleted_meanwhile)
    built_app.patch_view.choose([kept, gone])
    monkeypatch.undo()
    assert built_app.patch_view.chosen == [kept, gone]
    assert dpg.get_item_theme(f"node:{kept}") == built_app.patch_view._themes["chosen"]
