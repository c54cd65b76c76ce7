"""Every path a patch holds is taken as the runtime takes a node's ``path`` parameter, whatever the working
directory: ``~`` is the home folder, a relative path is from the patch file's folder. ``node_dirs: [~/my-nodes]``
was looked for in the patch's folder, under a folder named "~", and a take folder ``~/takes`` put the show log
there too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.showlog import default_path

REVERSE = '''
from exsampling_patch import TAKE, Input, Node, Output, Take


class Reverse(Node):
    """Play a take backwards."""

    take = Input(TAKE, "the take to reverse")
    out = Output(TAKE, "the take, reversed")

    def on_take(self, take: Take) -> None:
        self.emit("out", take.derive(take.samples[::-1]))
'''

PATCH = """exsampling_patch: 1
node_dirs: [~/my-nodes, ../shared-nodes]
nodes:
- id: reverse
  type: reverse
- id: backwards
  type: backwards
- id: writer
  type: take_writer
  params: {folder: ~/takes}
links:
- {from: reverse.out, to: writer.take}
- {from: backwards.out, to: writer.take}
"""


def exsampling(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exsampling_patch", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "HOME": str(home)}, timeout=120)


def test_check_and_run_take_a_patchs_paths_from_home_and_its_folder_from_anywhere(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    for folder in (home / "my-nodes", tmp_path / "shared-nodes", tmp_path / "patches", elsewhere):
        folder.mkdir(parents=True)
    (home / "my-nodes" / "reverse.py").write_text(REVERSE, encoding="utf-8")
    (tmp_path / "shared-nodes" / "backwards.py").write_text(REVERSE.replace("Reverse", "Backwards"), encoding="utf-8")
    patch = tmp_path / "patches" / "show.yaml"
    patch.write_text(PATCH, encoding="utf-8")
    checked = exsampling("check", "../patches/show.yaml", cwd=elsewhere, home=home)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = exsampling("run", "../patches/show.yaml", "--for", "0.2", cwd=elsewhere, home=home)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (home / "takes").is_dir() and len(list((home / "shows").glob("*.jsonl"))) == 1, ran.stderr
    assert not any(p.name == "~" for p in tmp_path.rglob("*")), sorted(tmp_path.rglob("*"))


def test_the_show_log_goes_beside_a_take_folder_given_from_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    patch = Patch()
    patch.add_node(NodeSpec("writer", "take_writer", {"folder": "~/gig/takes"}))
    assert default_path(patch, tmp_path / "patches", 0.0).parent == tmp_path / "home" / "gig" / "shows"


def test_a_file_missing_from_the_patch_folder_but_in_the_working_folder_is_named_with_how_to_write_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `exsampling train takes/ --out my.pt`, then `model: my.pt` in patches/show.yaml: check said "'my.pt' does
    # not exist" of a file right there in the working folder, without a word of where it had looked.
    from exsampling_patch.validate import check_file

    (tmp_path / "patches").mkdir()
    (tmp_path / "my.pt").write_bytes(b"PK")
    patch = tmp_path / "patches" / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: c\n  type: classifier\n  params:\n    model: my.pt\n"
                     "links: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (problem,) = check_file(patch)
    assert (problem.line, problem.message) == (6, f"node 'c': parameter 'model': 'my.pt' does not exist in the "
                                                  f"patch's folder {tmp_path / 'patches'}, which relative paths are "
                                                  "taken from: write '../my.pt' for the one in the current folder")
    monkeypatch.chdir(tmp_path / "patches")  # nothing of that name here either: the plain words
    (problem,) = check_file(patch)
    assert problem.message == "node 'c': parameter 'model': 'my.pt' does not exist"


@pytest.mark.parametrize("written", ["models/sound.pt", "model/sounds.pt", "Models/sounds.pt"])
def test_a_misspelt_file_to_read_is_named_as_it_should_be_written(tmp_path: Path, written: str) -> None:
    # A letter off in a model's name or its folder: check said "'models/sound.pt' does not exist", and for the
    # folder's slip named the folder, absolute, not the file. The file beside it is named as the patch writes it.
    from exsampling_patch.validate import check_file

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "sounds.pt").write_bytes(b"PK")
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: c\n  type: classifier\n  params:\n"
                     f"    model: {written}\nlinks: []\n", encoding="utf-8")
    (problem,) = check_file(patch)
    assert (problem.line, problem.message) == (6, f"node 'c': parameter 'model': '{written}' does not exist; did "
                                                  "you mean 'models/sounds.pt'?")
