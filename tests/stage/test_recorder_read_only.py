"""A web recorder whose take folder cannot be written is told at the start, while there is time to act."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .helpers import Run, free_port


@pytest.fixture
def read_only_takes(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path/takes``, which cannot be written: a read-only tmpfs mounted there (root ignores a folder's mode, as
    it does on a stage laptop's card with its lock switch on), or the folder's mode without root."""
    folder = tmp_path / "takes"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs failed")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_take_folder_that_cannot_be_written_is_told_at_the_start(tmp_path: Path, read_only_takes: Path) -> None:
    """Before: the recorder started as if all was well (its URL, its QR code) and the console said nothing until
    the first phone's take failed, mid-show. The recorder still starts: the phones keep their takes and send them
    again, and a folder made writable takes them without a restart. (No free space kept: the small tmpfs is no full
    disk to tell.)"""
    patch = tmp_path / "recorder.yaml"
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "takes", "state_folder": "state", "host": "127.0.0.1", "port": free_port(),
                              "https": False, "print_qr": False, "min_free_mb": 0, "warn_free_mb": 0}},
                  {"id": "log", "type": "log"}],
        "links": ["recorder.take -> log.message"],
    }, sort_keys=False), encoding="utf-8")
    run = Run(str(patch), "--for", "0.2", "--show-log", "none", "--log", str(tmp_path / "lib.log"), cwd=tmp_path)
    assert run.wait(60) == 0, run.output()
    told = [line for line in run.stderr if "error in node 'recorder'" in line]
    assert len(told) == 1, run.output()
    assert f"the take folder {read_only_takes} cannot be written (" in told[0], run.output()
    assert told[0].rstrip().endswith("): takes from phones are refused until it can be (each phone keeps its takes "
                                     "and sends them again); make it writable, or set the parameter 'folder' to "
                                     "another folder"), run.output()
    assert any("phones open http://" in line for line in run.stderr), run.output()  # started all the same
    assert "recorder.yaml: 2 nodes, 1 link, started in" in run.output()
