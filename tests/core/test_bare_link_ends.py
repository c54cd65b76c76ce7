"""A link written with a bare node id for an end (``from: rec``): its problem suggests the port it may mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.errors import PatchError
from exsampling_patch.validate import check_file, load_patch, open_patch

NODES = """exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {folder: in}
- id: gate
  type: confidence_gate
- id: log
  type: log
links:
"""


def write(tmp_path: Path, link: str) -> Path:
    path = tmp_path / "show.yaml"
    path.write_text(NODES + f"- {link}\n", encoding="utf-8")
    return path


def test_both_ends_bare_get_the_one_link_that_fits(tmp_path: Path) -> None:
    (problem,) = check_file(write(tmp_path, "inbox -> log"))
    assert problem.line == 11
    assert problem.hint == "did you mean 'inbox.take -> log.message'?"


def test_several_ports_that_fit_are_listed(tmp_path: Path) -> None:
    (problem,) = check_file(write(tmp_path, "{from: gate, to: log.message}"))
    assert problem.hint == "'gate' (confidence_gate) outputs that fit: passed, rejected"


def test_a_misspelt_bare_id_is_taken_as_the_closest_node(tmp_path: Path) -> None:
    (problem,) = check_file(write(tmp_path, "inbox.take -> lgo"))
    assert problem.hint == "did you mean 'log.message'?"


def test_run_and_the_editor_say_it_too(tmp_path: Path) -> None:
    path = write(tmp_path, "{from: inbox, to: log.message}")
    with pytest.raises(PatchError) as raised:
        load_patch(path)
    assert [p.hint for p in raised.value.problems] == ["did you mean 'inbox.take'?"]
    _, _, problems = open_patch(path)
    assert [p.hint for p in problems] == ["did you mean 'inbox.take'?"]
