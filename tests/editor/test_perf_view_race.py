"""A pattern node deleted between two frames: the pattern grids draw what is left.

Before b35d12ff Delete ran on Dear PyGui's callback thread and could remove a pattern node the frame loop had just
listed (a KeyError that ended the editor), and a click could select a slot while ``refresh`` rebuilt the slot rows;
those tests went with their guards, as callbacks now run between frames (editor/callbacks.py). A node deleted
between two refreshes is what remains.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp


def test_the_pattern_grids_drop_a_pattern_node_deleted_between_frames(built_app: EditorApp) -> None:
    model, panel = built_app.model, built_app.perf_view.patterns
    kept, gone = model.add_node("pattern", (40, 40)), model.add_node("pattern", (300, 40))
    panel.refresh()
    assert dpg.does_item_exist(panel.clock_tag(kept)) and dpg.does_item_exist(panel.clock_tag(gone))
    model.remove_nodes([gone])  # Delete, a callback run after the last frame
    panel.refresh()  # the frame loop: an exception there would end the editor
    assert dpg.does_item_exist(panel.clock_tag(kept)) and not dpg.does_item_exist(panel.clock_tag(gone))
