"""Nodes added, moved and pasted in the editor are written at whole-pixel positions as the shipped patches are,
``[380, 120]``, not ``[380.0, 120.0]`` (the editor's model)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry
from tests.editor.test_app import PATCH


def test_positions_are_written_as_whole_numbers(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    model = EditorModel(Registry.default())
    model.open(tmp_path / "p.yaml")
    model.add_node("relay", (24.0, -314.4))  # where the palette or the pop-up puts it
    model.move_nodes({"library": (380.2, 119.6)})  # a drag's end, in canvas coordinates
    model.copy(["log"])
    model.paste((40.0, 40.0))
    model.save()
    text = (tmp_path / "p.yaml").read_text()
    positions = [line.strip() for line in text.splitlines() if line.strip().startswith("position:")]
    assert positions == ["position: [40, 80]", "position: [380, 120]", "position: [600, 80]",
                         "position: [24, -314]", "position: [640, 120]"], positions
