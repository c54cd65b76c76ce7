"""A classifier's process in a Python without torch (installed into an environment of one's own, torch forgotten):
the node's start says which package and what to do. Before: "No module named 'torch'", and nothing more. The real
process, with a package named torch ahead of the installed one on its path that fails as a missing one does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError


def test_a_process_without_torch_says_which_package_and_what_to_do(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    shadow = tmp_path / "torch"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n",
                                        encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    process = ClassifierProcess()
    try:
        with pytest.raises(ClassifierProcessError) as raised:
            process.wait_ready()
    finally:
        process.stop()
    assert str(raised.value) == (f"the classifier needs the package 'torch', not installed for {sys.executable}: "
                                 "`make install` installs what the patch needs (README, \"Set-up\")")
