"""Every kind of broken patch gives FILE:LINE and what is wrong (the `check` contract)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import networkx as nx
import pytest

from exsampling_patch.errors import PatchError
from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef
from exsampling_patch.registry import Registry
from exsampling_patch.validate import (
    check_file,
    check_link,
    find_cycle,
    load_patch,
    patch_graph,
    topological_order,
)

BROKEN = Path(__file__).parent / "broken"


def expectation(path: Path) -> tuple[int, list[str]]:
    match = re.match(r"# expect: (\d+): (.*)", path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path} has no '# expect: LINE: text' first line"
    return int(match.group(1)), [part.strip() for part in match.group(2).split("|")]


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.stem)
def test_broken_patch_is_located(path: Path) -> None:
    line, fragments = expectation(path)
    problems = check_file(path)
    assert problems, f"{path.name} should have problems"
    at_line = [str(p) for p in problems if p.line == line]
    assert at_line, f"no problem on line {line}: {[str(p) for p in problems]}"
    assert any(all(f in text for f in fragments) for text in at_line), at_line
    assert all(str(p).startswith(f"{path}:") for p in problems)


def test_load_patch_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "exsampling_patch: 1\nnodes:\n- id: a\n  type: nope\n- id: b\n  type: folder_source\nlinks: []\n",
        encoding="utf-8",
    )
    with pytest.raises(PatchError) as caught:
        load_patch(path)
    messages = [p.message for p in caught.value.problems]
    assert any("unknown node type 'nope'" in m for m in messages)
    assert any("required parameter 'folder'" in m for m in messages)
    assert [p.line for p in caught.value.problems] == [4, 5]


def test_run_refuses_a_path_that_cannot_work(tmp_path: Path) -> None:
    (tmp_path / "takes").write_text("a file where the take folder should be", encoding="utf-8")
    path = tmp_path / "writer.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: w\n  type: take_writer\n  params:\n    folder: takes\n"
                    "- id: in\n  type: folder_source\n  params:\n    folder: new/incoming\nlinks: []\n",
                    encoding="utf-8")
    with pytest.raises(PatchError) as caught:
        load_patch(path)  # what `exsampling run` does
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (6, "node 'w': parameter 'folder': 'takes' is a file, not a folder")]
    (tmp_path / "takes").unlink()
    load_patch(path)  # folders that do not exist yet are made by the nodes


def test_check_link_is_the_one_rule() -> None:
    registry = Registry.default()
    patch = Patch()
    patch.add_node(NodeSpec("src", "folder_source", {"folder": "x"}))
    patch.add_node(NodeSpec("w", "take_writer", {"folder": "y"}))
    patch.add_node(NodeSpec("r", "relay"))
    assert check_link(patch, registry, Link(PortRef("src", "take"), PortRef("w", "take"))) is None
    assert check_link(patch, registry, Link(PortRef("r", "outlet"), PortRef("w", "take"))) is None  # any -> take
    reason = check_link(patch, registry, Link(PortRef("w", "take"), PortRef("r", "inlet")))
    assert reason is not None and "no output 'take'" in reason


def test_topological_order_is_networkx_order() -> None:
    # The runtime starts nodes in this order; it was networkx's topological_sort, and stays it.
    rng = random.Random(7)
    for trial in range(300):
        ids = [f"n{i}" for i in range(rng.randint(1, 25))]
        rng.shuffle(ids)
        patch = Patch(nodes={i: NodeSpec(i, "relay") for i in ids})
        for _ in range(rng.randint(0, 3 * len(ids))):
            a, b = rng.choice(ids), rng.choice(ids)
            if trial % 3 and ids.index(a) >= ids.index(b):
                continue  # two in three patches have no cycle
            patch.links.append(Link(PortRef(a, "outlet"), PortRef(b, rng.choice(["inlet", "other"]))))
        graph = patch_graph(patch)
        expected = list(nx.topological_sort(graph)) if nx.is_directed_acyclic_graph(graph) else None
        assert topological_order(patch) == expected


def test_find_cycle_names_the_nodes() -> None:
    patch = Patch()
    for name in "abc":
        patch.add_node(NodeSpec(name, "relay"))
    patch.connect("a.outlet", "b.inlet")
    patch.connect("b.outlet", "c.inlet")
    assert find_cycle(patch) is None
    patch.connect("c.outlet", "b.inlet")
    cycle = find_cycle(patch)
    assert cycle is not None and sorted(cycle) == ["b", "c"]
