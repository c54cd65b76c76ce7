"""A parameter's name YAML reads as no text (``on: 1`` is the key true, ``1: x`` a number, ``null: x`` nothing):
check matched it against the node type's names and ended in a traceback ("TypeError: 'bool' object is not
iterable"); it is told at its line, with how to write it. A null name was told at the line of ``params:``."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.validate import check_file

PATCH = "exsampling_patch: 1\nnodes:\n- id: a\n  type: log\n  params:\n    prefix: x\n    {0}: 1\nlinks: []\n"


@pytest.mark.parametrize(("key", "line", "told"), [
    ("on", 7, "got true (YAML reads yes, no, on, off, true and false unquoted as true or false: put the text in "
              "quotes)"),
    ("1", 7, "got the number 1 (YAML reads digits unquoted as a number, 1.10 as 1.1: put the text in quotes)"),
    ("null", 7, "got nothing (YAML reads null and ~ unquoted as nothing: put the name in quotes)"),
])
def test_a_parameter_name_that_is_no_text_is_told_at_its_line(
        key: str, line: int, told: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH.format(key), encoding="utf-8")
    for command in (["check", str(patch)], ["run", "--for", "0.1", str(patch)]):
        assert main(command) != 0, command
        captured = capsys.readouterr()
        assert f"{patch}:{line}: node 'a': a parameter's name must be text, {told}\n" in captured.out + captured.err
        assert "Traceback" not in captured.err, captured.err


def test_a_misspelt_required_parameter_is_told_once_as_a_misspelling(tmp_path: Path) -> None:
    # Before: "did you mean 'folder'?" at the misspelling, and also "required parameter 'folder' is missing" at the
    # node: one slip told twice, the second sending the reader to add a line the first says is there.
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params:\n    fodler: in\n"
                     "- id: mic\n  type: folder_source\n  params:\n    pol_interval: 1\nlinks: []\n", encoding="utf-8")
    assert [(p.line, p.message, p.hint) for p in check_file(patch)] == [
        (6, "node 'inbox': folder_source has no parameter 'fodler'", "did you mean 'folder'?"),
        (7, "node 'mic': required parameter 'folder' is missing",
         "add 'folder: ...' under params (the folder to watch)"),
        (10, "node 'mic': folder_source has no parameter 'pol_interval'", "did you mean 'poll_interval'?")]
