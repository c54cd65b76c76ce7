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


TYPELESS = """exsampling_patch: 1
nodes:
- id: inbox
  tipe: folder_source
  params: {folder: in}
- id: inbox2
  type: folder_source
  params: {folder: in}
- id: log
  type: log
links:
"""


@pytest.mark.parametrize("link", ["{from: inbox, to: log.message}", "inbox -> log"])
def test_a_bare_end_at_a_node_written_without_a_type_is_told_so(tmp_path: Path, link: str) -> None:
    # It was "did you mean 'inbox2.take'?", another node's port (without 'inbox2': "no node with id 'inbox'"), for a
    # node that is in the file, its 'tipe:' told at its own line.
    (tmp_path / "in").mkdir()
    path = tmp_path / "show.yaml"
    path.write_text(TYPELESS + f"- {link}\n", encoding="utf-8")
    hints = [p.hint for p in check_file(path) if p.line == 12]
    assert hints == ["'inbox' has no type yet, so no ports to name: give it its type, then write 'inbox.PORT'"]


def test_a_port_written_at_a_node_without_a_type_leaves_the_other_end_suggested(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    path = tmp_path / "show.yaml"
    path.write_text(TYPELESS + "- inbox.take -> log\n", encoding="utf-8")
    assert [p.hint for p in check_file(path) if p.line == 12] == ["did you mean 'log.message'?"]
