"""The patch view's frame-loop work while a node is deleted: a node listed may be gone when its theme is bound
(marked as selected), when a drag of the marked nodes moves it along, when the canvas is measured from it, or
when its live state is drawn.

The frame loop (main thread) unmarks the nodes when the canvas's own selection changes, drags marked nodes along,
measures the canvas and draws what a running patch reports, while Dear PyGui's callback thread may delete a node
(Del, the menus) between :meth:`PatchView.choose` (``drag_along``, ``measure``, ``show_live``) finding it and using
it.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.live import NodeLive


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


def test_dragging_marked_nodes_along_skips_one_deleted_meanwhile(built_app: EditorApp,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    view = built_app.patch_view
    lead, gone, kept = (built_app.model.add_node("relay", (40.0 + 260 * i, 40)) for i in range(3))
    dpg.set_item_pos(f"node:{lead}", [100, 90])  # imnodes dragged it 60, 50 from where the view put it
    get_pos = dpg.get_item_pos

    def deleted_meanwhile(item: int | str) -> Any:
        if item == f"node:{gone}" and dpg.does_item_exist(item):
            dpg.delete_item(item)  # Del on the callback thread, after drag_along found the node
        return get_pos(item)

    monkeypatch.setattr(dpg, "get_item_pos", deleted_meanwhile)
    view.drag_along(lead, [lead, gone, kept])
    monkeypatch.undo()
    assert dpg.get_item_pos(f"node:{kept}") == [620, 90]  # the one still there came along


def test_measuring_the_canvas_skips_a_node_deleted_meanwhile(built_app: EditorApp,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    gone, kept = built_app.model.add_node("relay", (40, 40)), built_app.model.add_node("relay", (300, 40))
    visible = dpg.is_item_visible

    def deleted_meanwhile(item: int | str) -> Any:
        if item == f"node:{gone}" and dpg.does_item_exist(item):
            dpg.delete_item(item)  # Del on the callback thread, after measure() found the node
        return visible(item)

    monkeypatch.setattr(dpg, "is_item_visible", deleted_meanwhile)
    built_app.patch_view.measure()  # in the frame loop: an exception there would end the editor
    monkeypatch.undo()
    assert dpg.does_item_exist(f"node:{kept}") and not dpg.does_item_exist(f"node:{gone}")


def test_live_state_drawn_on_a_node_deleted_meanwhile_is_dropped(built_app: EditorApp,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    model, view = built_app.model, built_app.patch_view
    node_id = model.add_node("relay", (40, 40))
    configure = dpg.configure_item

    def deleted_meanwhile(item: int | str, **kwargs: Any) -> None:
        if item == f"level:{node_id}" and node_id in model.patch.nodes:
            model.remove_nodes([node_id])  # Del on the callback thread, after show_live found the node
        configure(item, **kwargs)

    monkeypatch.setattr(dpg, "configure_item", deleted_meanwhile)
    view.show_live(node_id, NodeLive(status={"level": 0.5, "label": "dog"}))  # the frame loop: must not raise
    monkeypatch.undo()
    assert node_id not in model.patch.nodes and not view.badges.has_error(node_id)
    model.undo()  # back, drawn anew: nothing of the dropped state is drawn on it
    assert not dpg.get_item_configuration(f"live:{node_id}")["show"]


@pytest.mark.parametrize("deleted", ["first", "second"])
def test_panning_skips_a_node_deleted_meanwhile(built_app: EditorApp, monkeypatch: pytest.MonkeyPatch,
                                                deleted: str) -> None:
    model, view = built_app.model, built_app.patch_view
    first, second, third = (model.add_node("relay", (40.0 + 260 * i, 40)) for i in range(3))
    gone = first if deleted == "first" else second
    set_pos = dpg.set_item_pos

    def deleted_meanwhile(item: int | str, pos: list[int]) -> None:
        set_pos(item, pos)
        if item == f"node:{first}" and gone in model.patch.nodes:
            model.remove_nodes([gone])  # Del on the callback thread, while Space+drag (the frame loop) pans

    monkeypatch.setattr(dpg, "set_item_pos", deleted_meanwhile)
    view.pan_by(30, 20)  # the frame loop: an exception there would end the editor
    monkeypatch.undo()
    kept = [node_id for node_id in (first, second, third) if node_id != gone]
    assert list(view._positions) == kept  # the one deleted is not put back
    for node_id, x in zip((first, second, third), (40.0, 300.0, 560.0), strict=True):
        if node_id != gone:
            assert dpg.get_item_pos(f"node:{node_id}") == [int(x) + 30, 60]
