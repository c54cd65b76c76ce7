"""Nodes marked as selected while one is deleted: a node listed may be gone when its theme is bound.

The frame loop (main thread) unmarks the nodes when the canvas's own selection changes, while Dear PyGui's
callback thread may delete a node (Del, the menus) between :meth:`PatchView.choose` finding it and binding it.
"""

from __future__ import annotations

from collections.abc import Iterator

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry


@pytest.fixture
def app() -> Iterator[EditorApp]:
    dpg.create_context()
    editor = EditorApp(EditorModel(Registry.default()))
    editor.build()
    try:
        yield editor
    finally:
        dpg.destroy_context()


def test_choosing_skips_a_node_deleted_just_before_its_theme_is_bound(app: EditorApp,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    kept, gone = app.model.add_node("relay", (40, 40)), app.model.add_node("relay", (300, 40))
    bind = dpg.bind_item_theme

    def deleted_meanwhile(item: int | str, theme: int | str) -> None:
        if item == f"node:{gone}" and dpg.does_item_exist(item):
            dpg.delete_item(item)  # Del on the callback thread, after choose() found the node
        bind(item, theme)

    monkeypatch.setattr(dpg, "bind_item_theme", deleted_meanwhile)
    app.patch_view.choose([kept, gone])
    monkeypatch.undo()
    assert app.patch_view.chosen == [kept, gone]
    assert dpg.get_item_theme(f"node:{kept}") == app.patch_view._themes["chosen"]
