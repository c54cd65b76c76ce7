"""The inspector shows a node (the frame loop: a node clicked) while Delete, on Dear PyGui's callback thread,
removes it: a box selection deleted leaves the canvas reporting its last node selected alone for a frame, and the
frame loop built the inspector for a node that went half-way through (a KeyError that ended the editor)."""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp


def test_a_node_deleted_while_the_inspector_is_built_for_it_shows_as_no_node(built_app: EditorApp,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    model, inspector = built_app.model, built_app.inspector
    node_id = model.add_node("trim", (40, 40))
    delete_item = dpg.delete_item

    def deleted_meanwhile(item: int | str, **kwargs: Any) -> None:
        delete_item(item, **kwargs)
        if item == inspector.tag and kwargs.get("children_only") and node_id in model.patch.nodes:
            monkeypatch.setattr(dpg, "delete_item", delete_item)
            model.remove_nodes([node_id])  # Del on the callback thread, once show() has found the node

    monkeypatch.setattr(dpg, "delete_item", deleted_meanwhile)
    inspector.show(node_id)  # in the frame loop: an exception there would end the editor
    monkeypatch.undo()
    assert node_id not in model.patch.nodes
    assert inspector.node_id is None and dpg.does_item_exist("patch:name")  # the patch's own fields instead
