"""A node the inspector shows goes while it is open: the inspector shows the patch's own fields instead.

Since b35d12ff (editor/callbacks.py) Delete and Ctrl+Z run between frames, never half-way through a rebuild of the
inspector, and that test went with its guard (``Inspector.show`` retrying as no node). What remains real: the node
removed between frames (undo of its adding, Delete), and the canvas reporting a node of a deleted box selection as
selected alone for a frame after, which the frame loop then asks the inspector to show.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp


def test_a_node_undone_while_the_inspector_shows_it_leaves_the_patch_fields(built_app: EditorApp) -> None:
    model, inspector = built_app.model, built_app.inspector
    node_id = model.add_node("trim", (40, 40))
    inspector.show(node_id)
    assert inspector.node_id == node_id and not dpg.does_item_exist("patch:name")
    model.undo()  # Ctrl+Z: the adding undone, the node gone with its inspector open
    assert node_id not in model.patch.nodes
    assert inspector.node_id is None and dpg.does_item_exist("patch:name")


def test_a_node_deleted_before_the_frame_loop_shows_it_shows_as_no_node(built_app: EditorApp) -> None:
    model, inspector = built_app.model, built_app.inspector
    node_id = model.add_node("trim", (40, 40))
    model.remove_nodes([node_id])  # Delete on a box selection; the canvas still reports the node selected
    inspector.show(node_id)  # in the frame loop: an exception there would end the editor
    assert inspector.node_id is None and dpg.does_item_exist("patch:name")
