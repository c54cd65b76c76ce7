"""Nodes a hand-written patch gives no position (it is optional): a move of one undone, or its delete undone, puts
it back where the patch opened it, as the model has it (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import open_editor

HAND_WRITTEN = """\
exsampling_patch: 1
name: by hand
nodes:
- id: inbox
  type: folder_source
  params: {folder: inbox}
- id: log
  type: log
links:
- inbox.take -> log.message
"""


def test_a_move_or_a_delete_of_a_node_with_no_position_undone_puts_it_back(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(HAND_WRITTEN)
    with open_editor(tmp_path / "p.yaml") as app:
        opened = dpg.get_item_pos("node:log")
        app.model.move_nodes({"log": (600.0, 400.0)})  # what a drag records on release
        assert dpg.get_item_pos("node:log") == [600, 400]
        app.undo()
        assert app.model.patch.nodes["log"].position is None
        assert dpg.get_item_pos("node:log") == opened  # not left where it was dragged
        app.redo()
        assert dpg.get_item_pos("node:log") == [600, 400]
        app.undo()
        app.model.remove_nodes(["log"])
        app.undo()
        assert dpg.get_item_pos("node:log") == opened
        assert [str(link) for link in app.model.patch.links] == ["inbox.take -> log.message"]
