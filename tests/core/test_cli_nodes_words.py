"""`exsampling nodes` words for what a plugin developer meets: a class without a docstring."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

NO_DOC = '''from exsampling_patch import Node, Param


class NoDoc(Node):
    gain = Param(float, 1.0, "how loud")
'''


def test_a_type_without_a_docstring_is_listed_with_what_to_do(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """It printed "no_doc: " and nothing after, as if the listing had been cut short."""
    (tmp_path / "no_doc.py").write_text(NO_DOC, encoding="utf-8")
    assert main(["nodes", "--nodes", str(tmp_path), "no_doc"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "no_doc: (no description: give the class a docstring)", out
    assert main(["nodes", "--json", "--nodes", str(tmp_path), "no_doc"]) == 0
    assert '"doc": ""' in capsys.readouterr().out  # scripts get the docstring as it is

