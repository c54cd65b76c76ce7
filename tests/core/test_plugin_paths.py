"""A plugin's ``path_kind="file"`` parameter names a file its node reads: ``exsampling check`` reports one that is
not there, as it does the built-ins' (a classifier's model). Before, only the built-ins' were checked, by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.validate import check_file

CONVOLVER = '''
from exsampling_patch import TAKE, Input, Node, Output, Param


class Convolver(Node):
    """Convolve each take with an impulse response."""

    take = Input(TAKE, "takes")
    out = Output(TAKE, "the takes, convolved")
    impulse = Param("path", "", "the impulse response (a WAV file)", path_kind="file")
    notes = Param("path", "", "a path of no kind said")

    def on_take(self, take):
        self.emit("out", take)
'''


def write(tmp_path: Path, nodes: str) -> Path:
    (tmp_path / "my-nodes").mkdir(exist_ok=True)
    (tmp_path / "my-nodes" / "convolver.py").write_text(CONVOLVER, encoding="utf-8")
    path = tmp_path / "show.yaml"
    path.write_text(f"exsampling_patch: 1\nnode_dirs: [my-nodes]\nnodes:\n{nodes}links: []\n", encoding="utf-8")
    return path


def test_a_plugin_file_read_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "irs").mkdir()
    path = write(tmp_path, "- id: hall\n  type: convolver\n  params:\n    impulse: irs/hal.wav\n")
    (problem,) = check_file(path)
    assert problem.line == 7
    assert problem.message == "node 'hall': parameter 'impulse': 'irs/hal.wav' does not exist"
    assert main(["check", str(path)]) == 1
    assert "show.yaml:7: node 'hall': parameter 'impulse': 'irs/hal.wav' does not exist" in capsys.readouterr().out


def test_a_plugin_file_that_is_there_or_written_by_the_patch_passes(tmp_path: Path) -> None:
    (tmp_path / "irs").mkdir()
    (tmp_path / "irs" / "hall.wav").write_bytes(b"RIFF")
    assert check_file(write(tmp_path, "- id: hall\n  type: convolver\n  params:\n    impulse: irs/hall.wav\n")) == []
    writer = "- id: w\n  type: take_writer\n  params:\n    folder: made\n"
    made = "- id: hall\n  type: convolver\n  params:\n    impulse: made/ir.wav\n"
    assert check_file(write(tmp_path, writer + made)) == []
    # A path of no kind said may be written: it is not held to exist.
    assert check_file(write(tmp_path, "- id: hall\n  type: convolver\n  params:\n    notes: notes.txt\n")) == []
