"""A node renamed with '->' in its id is refused: its links, written 'node.port -> node.port', could not be read
back, and the patch saved lost them on reopening (the editor's model)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from tests.editor.test_app import PATCH


def test_an_id_with_an_arrow_is_refused_and_the_links_survive_a_save(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    model = EditorModel(Registry.default())
    model.open(tmp_path / "p.yaml")
    reason = model.rename_node("log", "kick->bass")
    assert reason is not None and "'->'" in reason, reason
    assert list(model.patch.nodes) == ["inbox", "library", "log"] and not model.dirty
    assert model.rename_node("log", "kick-bass") is None  # a plain '-' is fine
    model.save()
    reopened = EditorModel(Registry.default())
    assert reopened.open(tmp_path / "p.yaml") == []
    assert [str(link) for link in reopened.patch.links] == ["inbox.take -> library.take",
                                                          "library.written -> kick-bass.message"]
