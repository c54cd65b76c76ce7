"""A link is checked as far as its ends allow: from a node of an unknown type, the other end still (its node there,
its port), and a link whose two nodes are both missing names both.

Before, a link from a node of unknown type (``type: trimm``) was not checked at all: ``trim.out -> pich.take`` told
nothing of the misspelt 'pich', found only once the type was fixed; and of two missing nodes only the first was told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.validate import check_file

NODES = "exsampling_patch: 1\nnodes:\n- id: trim\n  type: trimm\n- id: pitch\n  type: pitch\n- id: log\n  type: log\n"


def problems_of(tmp_path: Path, links: str) -> list[str]:
    patch = tmp_path / "show.yaml"
    patch.write_text(f"{NODES}links:\n{links}", encoding="utf-8")
    return [str(problem).removeprefix(f"{patch}:") for problem in check_file(patch)]


@pytest.mark.parametrize(("link", "told"), [
    ("trim.out -> pich.take", "link trim.out -> pich.take: no node with id 'pich'; did you mean 'pitch'?"),
    ("trim.out -> pitch.tkae", "link trim.out -> pitch.tkae: 'pitch' (pitch) has no input 'tkae'; did you mean "
                               "'take'?"),
    ("pitch.out -> trim.take", None),  # a known output into the unknown type: nothing more to check
    ("pitch.otu -> trim.take", "link pitch.otu -> trim.take: 'pitch' (pitch) has no output 'otu'; did you mean "
                               "'out'?"),
    ("lgo.out -> trim.take", "link lgo.out -> trim.take: no node with id 'lgo'; did you mean 'log'?"),
])
def test_a_link_of_a_node_of_unknown_type_is_checked_at_its_other_end(tmp_path: Path, link: str,
                                                                      told: str | None) -> None:
    problems = problems_of(tmp_path, f"- {link}\n")
    assert problems[0] == "4: node 'trim': unknown node type 'trimm' (did you mean 'trim'?)", problems
    assert problems[1:] == ([f"10: {told}"] if told else []), problems


def test_a_link_between_two_missing_nodes_names_both(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "- pich.out -> lgo.message\n- pich.out -> pich.take\n")[1:] == [
        "10: link pich.out -> lgo.message: no node with id 'pich' (did you mean 'pitch'?), nor with id 'lgo' (did you "
        "mean 'log'?)",
        "11: link pich.out -> pich.take: no node with id 'pich'; did you mean 'pitch'?",  # one id: told once
    ]


def test_a_link_of_a_node_written_without_a_type_is_checked_at_its_other_end(tmp_path: Path) -> None:
    # Before: "no node with id 'inbox'" for a node the file holds (its 'tipe:' told on its own line), and the
    # misspelt 'writr' not told.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  tipe: folder_source\n- id: writer\n  type: log\n"
                     "links:\n- inbox.take -> writr.message\n- inbox.take -> writer.message\n", encoding="utf-8")
    assert [str(problem).removeprefix(f"{patch}:") for problem in check_file(patch)] == [
        "3: node 'inbox' needs a 'type' (`.venv/bin/exsampling nodes` lists the types)",
        "4: unknown node key 'tipe' (did you mean 'type'? a node has id, type, position, params)",
        "8: link inbox.take -> writr.message: no node with id 'writr'; did you mean 'writer'?",
    ]
