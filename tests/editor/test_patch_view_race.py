"""The patch view's frame-loop work while a node is deleted: a node marked as selected, deleted since, when the marks
change; a drag of the marked nodes moving it along; the engine telling of it.

Dear PyGui's callbacks (Del, the menus) run between frames since b35d12ff (editor/callbacks.py), so measuring and
panning the canvas, each of which walks the nodes drawn within one call, meet no node gone half-way: their tests
went with their guards. A drag's group is kept from one frame to the next, and a node in it can go between two.
"""

from __future__ import annotations

import threading

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.runtime import NodeStatus


def test_choosing_after_a_marked_node_was_deleted_binds_only_nodes_drawn(built_app: EditorApp) -> None:
    """Two nodes marked (pasted), one deleted between two frames, then a click on the empty canvas unmarks them:
    ``choose`` binds the theme of each node it marked before, with no guard of its own, so the deleted one must have
    left ``chosen`` with its item (an exception here would end the editor's frame loop)."""
    model, view = built_app.model, built_app.patch_view
    kept, gone = model.add_node("relay", (40, 40)), model.add_node("relay", (300, 40))
    view.choose([kept, gone])
    model.remove_nodes([gone])  # Delete, a callback between frames
    assert view.chosen == [kept]
    view.choose([])  # the click on the empty canvas (canvas_clicks.py)
    assert view.chosen == [] and dpg.get_item_theme(f"node:{kept}") is None  # unmarked
    model.undo()  # back, drawn anew: not marked, and marked again without a word
    view.choose([gone])
    assert dpg.get_item_theme(f"node:{gone}") == view._themes["chosen"]


def test_dragging_marked_nodes_along_skips_nodes_deleted_during_the_drag(built_app: EditorApp) -> None:
    """Delete (or Ctrl+Z) pressed while the mouse still drags marked nodes: the drag's group is kept from the press
    to the release, so the frames after it (and the release) drag along nodes gone between two frames."""
    model, view = built_app.model, built_app.patch_view
    lead, gone, kept = (model.add_node("relay", (40.0 + 260 * i, 40)) for i in range(3))
    dpg.set_item_pos(f"node:{lead}", [100, 90])  # imnodes dragged it 60, 50 from where the view put it
    model.remove_nodes([gone])  # a key's callback, between two frames of the drag
    view.drag_along(lead, [lead, gone, kept])
    assert dpg.get_item_pos(f"node:{kept}") == [620, 90]  # the one still there came along
    model.remove_nodes([lead])  # the node dragged itself
    view.drag_along(lead, [lead, kept])  # the frame loop: an exception there would end the editor
    assert dpg.get_item_pos(f"node:{kept}") == [620, 90]


def test_live_state_the_engine_told_of_a_node_deleted_since_is_dropped(built_app: EditorApp) -> None:
    """The engine's thread reports on a node while the editor deletes it: the frame loop then applies news of a node
    no longer drawn (the engine runs the old plan until the edit is swapped in)."""
    model, view = built_app.model, built_app.patch_view
    node_id = model.add_node("relay", (40, 40))
    engine = threading.Thread(target=built_app.observer.on_event, name="engine",
                              args=(NodeStatus(node_id, {"level": 0.5, "label": "dog"}),))
    engine.start()
    model.remove_nodes([node_id])  # Delete, a callback between frames, while the engine reports
    engine.join()
    changed = built_app.observer.apply()  # the next frame, as EditorApp.frame
    assert node_id in changed
    built_app.run_status.frame(changed)  # draws the news on each node changed: an exception would end the editor
    assert not view.badges.has_error(node_id)
    model.undo()  # back, drawn anew: nothing of the dropped state is drawn on it
    assert not dpg.get_item_configuration(f"live:{node_id}")["show"]
