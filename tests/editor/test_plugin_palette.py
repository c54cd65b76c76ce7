"""The README's custom node in the editor's palette, from the node folder a patch names."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.core.test_readme import readme_node


def test_a_patch_opened_lists_the_types_of_its_node_dirs_in_the_palette(built_app: EditorApp,
                                                                          tmp_path: Path) -> None:
    # Before, File > Open of a patch with `node_dirs: [../my-nodes]` loaded its types (the pop-up listed them)
    # but the palette kept the list it was built with: the plugin's type could not be clicked there.
    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "reverse.py").write_text(readme_node(), encoding="utf-8")
    (tmp_path / "patches").mkdir()
    patch = tmp_path / "patches" / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [../my-nodes]\nnodes:\n- id: rev\n  type: reverse\n",
                     encoding="utf-8")
    assert not dpg.does_item_exist("palette:reverse")
    assert built_app.open(patch)
    assert built_app.model.problems() == []
    assert dpg.does_item_exist("palette:reverse")
    dpg.set_value("palette:search", "backwards")  # the README's doc line: a search still finds it
    built_app.open(patch)
    assert dpg.does_item_exist("palette:reverse") and not dpg.does_item_exist("palette:log")
