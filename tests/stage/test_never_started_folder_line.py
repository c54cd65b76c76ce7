"""A node whose start the system refused a folder parameter (a read-only disk: no check tells it) was told "node
'inbox' never started: the folder of parameter 'folder', ... cannot be made or written" without the patch's line,
though a classifier's unreadable model got its ``FILE:LINE``: the line to change was left to find."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stage.helpers import Run


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be made in: a read-only tmpfs as root (root ignores a folder's mode), else its mode."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs failed")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_folder_refused_at_start_is_told_with_its_parameters_line(tmp_path: Path, locked: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n  params:\n"
                     f"    folder: {locked / 'inbox'}\n", encoding="utf-8")
    run = Run(str(patch), "--for", "0.5", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    assert run.wait(60) == 3, run.output()
    (never,) = [line for line in run.stderr if "node 'inbox' never started: " in line]
    assert never.startswith(f"{patch}:6: node 'inbox' never started: the folder of parameter 'folder', "
                            f"{locked / 'inbox'}, cannot be made"), run.output()
