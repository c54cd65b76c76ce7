"""A patch with no nodes checks and runs, with a warning: it said "ok" and ran "0 nodes" without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main


@pytest.mark.parametrize(("text", "line"), [("exsampling_patch: 1\nname: show\nnodes: []\nlinks: []\n", 3),
                                            ("exsampling_patch: 1\n", 1)], ids=["nodes-empty", "version-only"])
def test_a_patch_with_no_nodes_is_warned_of_by_check_and_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int) -> None:
    path = tmp_path / "show.yaml"
    path.write_text(text, encoding="utf-8")
    warning = (f"warning: {path}:{line}: the patch has no nodes: it runs nothing (add them under 'nodes:', of the "
               f"types '.venv/bin/exsampling nodes' lists, or in the editor: .venv/bin/exsampling edit {path})")
    assert main(["check", str(path)]) == 0  # a warning: the patch is sound, and runs
    assert capsys.readouterr().err.splitlines() == [warning, f"{path}: ok, but 1 warning"]
    assert main(["run", str(path), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 0
    told = capsys.readouterr().err.splitlines()
    assert told[0] == warning
    assert any(said.startswith(f"running {'show' if 'name' in text else path}: 0 nodes") for said in told), told


def test_a_patch_with_nodes_is_not_warned_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "show.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: log\n  type: log\nlinks: []\n", encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().err == f"{path}: ok\n"
