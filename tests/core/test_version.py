"""The version has one source, pyproject.toml: ``exsampling --version`` says what was installed from it, and a
source tree never installed reads it there. It was written in exsampling_patch/__init__.py as well, which a
release that bumped pyproject alone would have left saying the old one."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from exsampling_patch.version import source_tree_version

REPO = Path(__file__).resolve().parents[2]
EXE = [sys.executable, "-m", "exsampling_patch"]


def pyproject_version() -> str:
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert isinstance(version, str)
    return version


def exsampling_version(cwd: Path) -> str:
    """What ``exsampling --version`` prints, run in ``cwd`` (the first place looked in for the package's metadata:
    the repository's own egg-info would be read before the installed package's)."""
    done = subprocess.run([*EXE, "--version"], capture_output=True, text=True, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_version_printed_is_pyprojects(tmp_path: Path) -> None:
    # Differing here after pyproject's version changed: the installed metadata is stale (`pip install -e .` again).
    assert exsampling_version(tmp_path) == f"exsampling {pyproject_version()}\n"


def test_the_version_printed_is_the_installed_packages(tmp_path: Path) -> None:
    # Metadata of the package as a release installs it, found first on the path: its version is the one told,
    # whatever the package's own source says.
    info = tmp_path / "exsampling_patch-9.8.7.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: exsampling-patch\nVersion: 9.8.7\n", encoding="utf-8")
    assert exsampling_version(tmp_path) == "exsampling 9.8.7\n"


def test_a_source_tree_never_installed_reads_its_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "exsampling_patch"\nversion = "2.0.1"\n', encoding="utf-8")
    assert source_tree_version(pyproject) == "2.0.1"  # a name as PEP 503 normalizes it is the same project
    pyproject.write_text('[project]\nname = "other"\nversion = "2.0.1"\n', encoding="utf-8")
    assert source_tree_version(pyproject) is None  # another project's: the package was copied out of its tree
    pyproject.write_text('[project\n', encoding="utf-8")
    assert source_tree_version(pyproject) is None
    assert source_tree_version(tmp_path / "missing.toml") is None
    assert source_tree_version(REPO / "pyproject.toml") == pyproject_version()
