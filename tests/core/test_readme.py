"""The README's custom node is real: it loads from a folder, and does what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

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


def test_the_readme_places_its_node_in_the_default_patch(tmp_path: Path) -> None:
    """The node and links the README gives, put into a copy of the default patch, pass `exsampling check`."""
    import yaml

    from exsampling_patch.validate import check_file

    text = README.read_text(encoding="utf-8")
    node = yaml.safe_load(re.search(r"a node\s+`(\{[^`]*\})`", text).group(1))  # type: ignore[union-attr]
    links = re.findall(r"`(\w+\.\w+ -> \w+\.\w+)`", text)
    patch = yaml.safe_load((README.parent / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    replaced = {link for link in patch["links"] if link.startswith("trim.out ->")}
    assert len(replaced) == 2 and links, "the README replaces trim's two links"
    patch["nodes"].append(node)
    patch["links"] = [link for link in patch["links"] if link not in replaced] + links
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "reverse.py").write_text(readme_node(), encoding="utf-8")
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "show.yaml").write_text(yaml.safe_dump(patch), encoding="utf-8")
    problems = check_file(tmp_path / "patches" / "show.yaml", [str(tmp_path / "nodes")])
    assert [str(p) for p in problems] == []
    assert {link.split(" -> ")[1] for link in links} >= {"classifier.take", "pitch.take"}


def test_the_readme_s_nodes_command_lists_its_node_and_where_it_comes_from(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`exsampling nodes --nodes my-nodes` lists it as `reverse`, and from which file: before, a plugin's type was
    listed as a built-in is, and one of a name another plugin had taken (an installed package's `reverse`) looked like
    the README's own."""
    from exsampling_patch.cli import main

    (tmp_path / "my-nodes").mkdir()
    (tmp_path / "my-nodes" / "reverse.py").write_text(readme_node(), encoding="utf-8")
    assert main(["nodes", "--nodes", str(tmp_path / "my-nodes")]) == 0
    out = capsys.readouterr().out
    assert f"\nreverse: Play a take backwards.\n    from {tmp_path / 'my-nodes' / 'reverse.py'}\n    in  take" in out
    assert "\n    from built-in" not in out and "\nfolder_source: Emit a take" in out
