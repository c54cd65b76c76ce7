"""A classifier in a Python without torch (an environment of one's own, torch forgotten) is told the same words
whether it classifies in its own process or in the patch's: the package, the Python, and what to do. Before, with
``own_process: false``, "ModuleNotFoundError: No module named 'torch'", and nothing more. The real run, with a package
named torch ahead of the installed one on its path that fails as a missing one does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def never_started(tmp_path: Path) -> list[str]:
    """The console's "never started" lines of a run of a patch of two classifiers, one in its own process ('own'),
    one in the patch's ('here'), torch missing. One run for both: each run's start costs seconds."""
    shadow = tmp_path / "shadow" / "torch"
    shadow.mkdir(parents=True, exist_ok=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n",
                                        encoding="utf-8")
    patch = tmp_path / "classifiers.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: own\n  type: classifier\n  params: {own_process: true}\n"
                     "- id: here\n  type: classifier\n  params: {own_process: false}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "shadow")}
    done = subprocess.run([sys.executable, "-m", "exsampling_patch", "run", str(patch), "--for", "0.1", "--show-log",
                           "none", "--log", str(tmp_path / f"{patch.stem}.log")], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == 3, done.stderr  # a node never started
    return [line for line in done.stderr.splitlines() if "never started" in line]


def test_a_missing_torch_is_told_the_same_in_either_process(tmp_path: Path) -> None:
    told = (f"never started: the classifier needs the package 'torch', not installed for {sys.executable}: "
            "`make install` installs what the patch needs (README, \"Set-up\")")
    assert sorted(never_started(tmp_path)) == [f"node 'here' {told}", f"node 'own' {told}"]
