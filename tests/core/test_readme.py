"""The README's custom node is real: it loads from a folder, and does what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.registry import Registry

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_node() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "the README shows one custom node"
    return blocks[0]


def test_readme_node_is_short() -> None:
    lines = [line for line in readme_node().splitlines() if line.strip()]
    assert len(lines) <= 10


def test_readme_node_loads_from_a_folder_and_reverses_a_take(tmp_path: Path) -> None:
    (tmp_path / "reverse.py").write_text(readme_node(), encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert not registry.problems, registry.problems
    node = registry.get("reverse")("r", {})
    node.handle("take", Take(np.arange(4, dtype=np.float32), 8000))
    ((port, out),) = node.context.emitted
    assert port == "out"
    assert out.samples[:, 0].tolist() == [3.0, 2.0, 1.0, 0.0]
