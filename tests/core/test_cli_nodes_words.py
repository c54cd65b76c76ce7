"""`exsampling nodes` words for what a plugin developer meets: a class without a docstring, a type refused at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

NO_DOC = '''from exsampling_patch import Node, Param


class NoDoc(Node):
    gain = Param(float, 1.0, "how loud")
'''
REFUSED = '''from exsampling_patch import TAKE, Input, Node


class Refused(Node):
    """Takes nothing: its input has no handler."""

    take = Input(TAKE, "takes")
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


def test_a_type_refused_at_load_is_said_to_be_found_and_why(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """It said "no node type of that name", the reason on a warning line above that read as another matter."""
    (tmp_path / "refused.py").write_text(REFUSED, encoding="utf-8")
    assert main(["nodes", "--nodes", str(tmp_path), "refused"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (f"refused: a node type of that name was found but refused at load: {tmp_path}/refused.py:7: "
                       "Refused: input 'take' has no handler on_take"), err
    assert not any("no node type of that name" in line for line in err), err


UNDOCUMENTED_PORTS = '''from exsampling_patch import TAKE, Input, Node, Output, Param


class Bare(Node):
    """Ports and a parameter declared without their docs."""

    take = Input(TAKE)
    out = Output(TAKE)
    gain = Param(float, 1.0)

    def on_take(self, take):
        self.emit("out", take)
'''


def test_ports_and_parameters_without_a_doc_are_listed_with_what_to_do(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Each line ended at "): " with nothing after it, as the class's had before it said to give a docstring."""
    (tmp_path / "bare.py").write_text(UNDOCUMENTED_PORTS, encoding="utf-8")
    assert main(["nodes", "--nodes", str(tmp_path), "bare"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[3:] == ['    in  take (take): (no description: give it one, Input(TYPE, "..."))',
                       '    out out (take): (no description: give it one, Output(TYPE, "..."))',
                       '    param gain (float, default 1.0): (no description: give it one, Param(kind, default, "..."))'
                       ], out
    assert main(["nodes", "--json", "--nodes", str(tmp_path), "bare"]) == 0
    assert capsys.readouterr().out.count('"doc": ""') == 3  # scripts get the docs as they are


def test_a_misspelt_refused_type_is_suggested_with_why_it_was_refused(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`nodes refusd` suggested nothing: suggestions came from the types that loaded alone."""
    (tmp_path / "refused.py").write_text(REFUSED, encoding="utf-8")
    assert main(["nodes", "--nodes", str(tmp_path), "refusd"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == ("refusd: no node type of that name, nor a patch file (did you mean 'refused'? It was found but "
                       f"refused at load: {tmp_path}/refused.py:7: Refused: input 'take' has no handler on_take)"), err
