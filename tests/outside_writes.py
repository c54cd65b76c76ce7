"""A test writes under its tmp_path only: the guard tests/conftest.py runs around each test.

A node built without a ``folder`` takes its default (``../session/live``, ``../takes/web``, ...) from the working
directory, the checkout, and a patch run where it lies takes it from its folder (patches/, examples/): a test that
forgets to pass one writes into the checkout's parent or into the checkout's ignored session/ and takes/, where a
real show keeps its state and where other tests (and other runs) read the same files. What was there before the test
is never flagged: only what the test made or changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The folders the nodes' relative defaults land in, from the checkout (a node built alone) and from a folder in it
# (a patch of patches/ or examples/ run in place).
WATCHED = tuple(base / name for base in (REPO.parent, REPO) for name in ("session", "takes"))

Snapshot = dict[str, tuple[int, int] | None]


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Each folder (None) and file ((mtime_ns, size)) under ``roots``; a root that is not there holds nothing."""
    found: Snapshot = {}
    for root in roots:
        for folder, _, files in os.walk(root):
            found[folder] = None
            for name in files:
                path = os.path.join(folder, name)
                try:
                    status = os.lstat(path)
                except OSError:  # gone between the listing and the look
                    continue
                found[path] = (status.st_mtime_ns, status.st_size)
    return found


def written(before: Snapshot, after: Snapshot) -> list[str]:
    """What appeared or changed from ``before`` to ``after``; what went away is not counted (nothing written)."""
    return sorted(path for path, state in after.items() if path not in before or before[path] != state)


def guard(roots: Iterable[Path]) -> Iterator[None]:
    """Around one test (``yield from`` in a fixture): fails it if it wrote under ``roots``."""
    roots = tuple(roots)
    before = snapshot(roots)
    yield
    paths = written(before, snapshot(roots))
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        pytest.fail(f"the test wrote outside its tmp_path: {shown}. A node built without 'folder' takes its default "
                    "from the working directory (a patch run in place: from its folder); pass folder=tmp_path/... "
                    "(or a node left running by a test before it, or another run from this checkout, wrote it)",
                    pytrace=False)
