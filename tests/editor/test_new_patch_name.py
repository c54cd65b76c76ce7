"""A patch begun in the editor has no name until one is given: "untitled" was saved with it, and the stage said
"running untitled" for every one (the editor's model; its file written and read back)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from exsampling_patch.validate import load_patch


def test_a_new_patch_is_saved_without_a_made_up_name(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    model.add_node("log", (60, 60))
    model.save(tmp_path / "first.yaml")
    assert "untitled" not in (tmp_path / "first.yaml").read_text()
    assert load_patch(tmp_path / "first.yaml")[0].name == ""  # the stage names it by its file
    model.new()
    model.add_node("log", (60, 60))
    model.set_info("name", "Night walk")  # one given is kept
    model.save(tmp_path / "second.yaml")
    assert load_patch(tmp_path / "second.yaml")[0].name == "Night walk"
