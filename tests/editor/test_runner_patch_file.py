"""The editor's Run tells its engine's nodes which patch file runs (``context.patch_file``): a web recorder's late take
goes to a later Run of that file alone, not to a recorder of its id in another patch of the same folder."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from tests.core.engine_nodes import engine_registry


def test_each_run_tells_its_nodes_the_patch_file(tmp_path: Path) -> None:
    model = EditorModel(engine_registry(), path=tmp_path / "exsampling.yaml")
    node_id = model.add_node("tracked", (0, 0))
    runner = Runner(model, RuntimeObserver(), workers=2)
    for _ in range(2):  # each Run a new engine: the second as the first
        assert runner.start(), runner.problem
        try:
            assert runner.node(node_id).context.patch_file == (tmp_path / "exsampling.yaml").resolve()
        finally:
            assert runner.stop()
