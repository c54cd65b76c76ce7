"""A misspelt ``family`` a base wrote is told at the base's ``family =`` line, in its own file: each from a node file
in a real folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.registry import Registry

BASE = (
    "from exsampling_patch import TAKE, Input, Node, Output\n\n\n"
    "class Effect(Node):\n    \"\"\"A base of effects.\"\"\"\n\n    abstract = True\n    family = 'procesing'\n"
    "    take = Input(TAKE, 'in')\n    out = Output(TAKE, 'out')\n\n"
    "    def on_take(self, take):\n        self.emit('out', take)\n")
LOUD = "\n\nclass Loud(Effect):\n    \"\"\"Twice as loud.\"\"\"\n"
TOLD = ("Effect: family 'procesing' is no palette group; did you mean 'processing'? (a group of your own "
        "needs a name unlike sources, storage, processing, classify, routing, outputs, utility, misc); node type "
        "'loud' is not loaded")


def test_a_misspelt_family_of_a_base_in_the_same_file_is_told_at_its_line(tmp_path: Path) -> None:
    # Before: at the line of `class Loud`, which writes no family, the base's line 8 left to be found.
    (tmp_path / "fx.py").write_text(BASE + LOUD, encoding="utf-8")
    registry = Registry.default([tmp_path], entry_points=False)
    assert "loud" not in registry
    assert {problem.origin: problem.error for problem in registry.problems} == {f"{tmp_path / 'fx.py'}:8": TOLD}


def test_a_misspelt_family_of_a_base_in_a_helper_is_told_at_the_helper_s_line(tmp_path: Path) -> None:
    # Before: at loud.py's class line, a file that has no family in it.
    (tmp_path / "_fx_family.py").write_text(BASE, encoding="utf-8")
    (tmp_path / "loud.py").write_text("from _fx_family import Effect\n" + LOUD, encoding="utf-8")
    try:
        registry = Registry.default([tmp_path], entry_points=False)
    finally:
        sys.modules.pop("_fx_family", None)
    assert "loud" not in registry
    assert {problem.origin: problem.error for problem in registry.problems} == {
        f"{tmp_path / '_fx_family.py'}:8": TOLD}


def test_a_misspelt_family_of_a_base_is_told_once_for_all_its_types(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # Before: once per type, each line at the base's family line ("Loud: family ...", "Soft: family ..."), the
    # same mistake told as many times as the base had types.
    (tmp_path / "_fx_family_two.py").write_text(BASE, encoding="utf-8")
    (tmp_path / "loud.py").write_text("from _fx_family_two import Effect\n" + LOUD, encoding="utf-8")
    (tmp_path / "soft.py").write_text("from _fx_family_two import Effect\n" + LOUD.replace("Loud", "Soft"),
                                      encoding="utf-8")
    try:
        registry = Registry.default([tmp_path], entry_points=False)
    finally:
        sys.modules.pop("_fx_family_two", None)
    told = TOLD.replace("node type 'loud' is not loaded", "node types 'loud', 'soft' are not loaded")
    assert [str(problem) for problem in registry.problems] == [f"{tmp_path / '_fx_family_two.py'}:8: {told}"]
    why = TOLD.removesuffix("; node type 'loud' is not loaded")
    where = tmp_path / "_fx_family_two.py"
    assert registry.unknown_hint("soft") == registry.unknown_hint("loud") == f"not loaded: {where}:8: {why}"
    assert main(["nodes", "--nodes", str(tmp_path), "soft"]) != 0
    err = capsys.readouterr().err
    assert f"soft: a node type of that name was found but refused at load: {where}:8: {why}\n" in err, err
