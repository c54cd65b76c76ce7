"""A shared base's mistake refuses its types in several node files: told once (at the base's line), but each file
that loaded none of its types is a plugin that did not load, and one that loaded its others a plugin loaded in part.
Each from node files in a real folder, checked by `exsampling check` itself."""

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
TYPE = "\n\nclass {0}(Effect):\n    \"\"\"{0}.\"\"\"\n"
GOOD = ("\n\nclass Gentle(Node):\n    \"\"\"Gentle.\"\"\"\n\n    take = Input(TAKE, 'in')\n\n"
        "    def on_take(self, take):\n        pass\n")


def effects_folder(folder: Path, helper: str, soft_has_gentle: bool = False) -> None:
    """``folder`` with the base in ``helper``.py, loud.py and soft.py each of a type of it (soft.py with a good
    type 'gentle' of its own too, if asked)."""
    folder.mkdir()
    (folder / f"{helper}.py").write_text(BASE, encoding="utf-8")
    (folder / "loud.py").write_text(f"from {helper} import Effect\n" + TYPE.format("Loud"), encoding="utf-8")
    soft = f"from exsampling_patch import TAKE, Input, Node\nfrom {helper} import Effect\n" + TYPE.format("Soft")
    (folder / "soft.py").write_text(soft + (GOOD if soft_has_gentle else ""), encoding="utf-8")


def checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], helper: str, soft_has_gentle: bool) -> str:
    """What `exsampling check` says on stderr of a patch whose node_dirs is such a folder."""
    effects_folder(tmp_path / "fx", helper, soft_has_gentle)
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnode_dirs: [fx]\nnodes:\n- id: t\n  type: trim\nlinks: []\n",
                     encoding="utf-8")
    try:
        assert main(["check", str(patch)]) == 0
    finally:
        sys.modules.pop(helper, None)
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if line.startswith("warning: plugin")]) == 1, err
    assert "node types 'loud', 'soft' are not loaded" in err, err
    return err


def test_each_file_whose_type_a_base_s_mistake_refused_is_counted(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "1 plugin did not load", soft.py (its type told in loud.py's problem) counted as loaded.
    err = checked(tmp_path, capsys, "_fx_counted", soft_has_gentle=False)
    assert f"{tmp_path / 'show.yaml'}: ok, but 2 plugins did not load\n" in err, err


def test_a_file_that_loaded_its_other_type_is_counted_as_loaded_in_part(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "1 plugin did not load", soft.py (which loaded 'gentle', and not 'soft') not counted at all.
    err = checked(tmp_path, capsys, "_fx_in_part", soft_has_gentle=True)
    assert f"{tmp_path / 'show.yaml'}: ok, but 1 plugin did not load, and 1 plugin loaded in part\n" in err, err


def test_an_unknown_type_s_hint_counts_each_file_that_did_not_load(tmp_path: Path) -> None:
    # Before: "1 plugin did not load", as if soft.py had loaded.
    effects_folder(tmp_path / "fx", "_fx_hint")
    try:
        registry = Registry.default([tmp_path / "fx"], entry_points=False)
    finally:
        sys.modules.pop("_fx_hint", None)
    assert "gentle" not in registry and "soft" not in registry
    assert registry.unknown_hint("granulator") == "2 plugins did not load: a 'warning: plugin' line names each"
