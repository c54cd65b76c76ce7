"""The package's version, whose one source is pyproject.toml's ``[project] version``.

Installed (a wheel, or ``pip install -e .``), it is the installed metadata's, which pip wrote from pyproject.toml;
from a source tree never installed, pyproject.toml is read. Looked up when first asked for, not at import:
importlib.metadata takes some 30 ms to import, which every ``exsampling`` command and node process would pay.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

DIST_NAME = "exsampling-patch"
#: Where pyproject.toml is in a source tree: beside the package's folder.
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: Neither installed nor in its source tree (the package copied out on its own): a version that sorts lowest.
UNKNOWN = "0+unknown"


@functools.cache
def package_version() -> str:
    """The version installed, else the source tree's, else :data:`UNKNOWN`."""
    from importlib import metadata

    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return source_tree_version(PYPROJECT) or UNKNOWN


def source_tree_version(pyproject: Path) -> str | None:
    """``[project] version`` in ``pyproject`` if that file is this project's; None if it is missing, unreadable
    or another project's (a package copied into some other tree)."""
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name, version = project.get("name"), project.get("version")
    if not isinstance(name, str) or _normalized(name) != _normalized(DIST_NAME) or not isinstance(version, str):
        return None
    return version


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``exsampling_patch`` is ``exsampling-patch``."""
    return re.sub(r"[-_.]+", "-", name).lower()
