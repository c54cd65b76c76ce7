"""A shared base's mistake refusing several node types is one plugin problem, named after its first type and naming
the others (2f77cc39, 64602b2d). A patch using any of those types is told it once: on the node, as an unknown type
whose hint says why it was not loaded. Checked by `exsampling check` and `exsampling run` on node files in a real
folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from tests.core.test_plugin_base_files import effects_folder

BASE_MISTAKE = "Effect: family 'procesing' is no palette group; did you mean 'processing'?"


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("type_name", ["loud", "soft"])
def test_a_type_refused_for_its_base_s_mistake_is_told_once_on_its_node(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], type_name: str, command: str) -> None:
    # 'soft', the problem's second type, was told twice: on the node, and again as a 'warning: plugin' line.
    helper = f"_fx_once_{type_name}_{command}"
    effects_folder(tmp_path / "fx", helper)
    patch = tmp_path / "show.yaml"
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [fx]\nnodes:\n- id: t\n  type: {type_name}\nlinks: []\n",
                     encoding="utf-8")
    argv = ["check", str(patch)] if command == "check" else \
        ["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]
    try:
        assert main(argv) == 1
    finally:
        sys.modules.pop(helper, None)
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    told = [line for line in lines if BASE_MISTAKE in line]
    assert len(told) == 1, lines
    assert told[0].startswith(f"{patch}:5: node 't': unknown node type '{type_name}' (not loaded: "), told
