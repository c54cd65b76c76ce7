"""The folder source's listing reads a folder whose names changed once (it read it twice: its names, then their kinds),
and still tells a new sub-folder from a new file."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.folder_listing import FolderListing


def counting(reads: Counter[str], real: Callable[..., Any]) -> Callable[..., Any]:
    """``real`` (os.listdir or os.scandir), counting the reads of each folder."""
    def read(folder: str) -> Any:
        reads[os.fspath(folder)] += 1
        return real(folder)
    return read


def test_a_folder_whose_names_changed_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.wav", "b.wav", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    reads: Counter[str] = Counter()
    monkeypatch.setattr(os, "listdir", counting(reads, os.listdir))
    monkeypatch.setattr(os, "scandir", counting(reads, os.scandir))
    listing = FolderListing(tmp_path, True, lambda name: name.endswith(".wav"))
    assert listing.list()
    assert reads == {str(tmp_path): 1}
    assert sorted(p.name for p in listing.paths) == ["a.wav", "b.wav"]

    reads.clear()
    (tmp_path / "c.wav").write_bytes(b"x")
    (tmp_path / "set.wav").mkdir()  # a folder named like a take: listed (recursive), no take
    (tmp_path / "set.wav" / "d.wav").write_bytes(b"x")
    os.utime(tmp_path, ns=(10**18, 10**18))  # the folder's time changed, on any clock's tick
    assert listing.list()
    assert reads == {str(tmp_path): 1, str(tmp_path / "set.wav"): 1}
    assert sorted(p.relative_to(tmp_path).as_posix() for p in listing.paths) == [
        "a.wav", "b.wav", "c.wav", "set.wav/d.wav"]


def test_a_full_relist_reads_the_kinds_again(tmp_path: Path) -> None:
    """A file replaced by a folder of its name (as while the event queue overflowed) keeps the folder's names as they
    were: the full relist read their kinds from before, and listed the folder as a take."""
    (tmp_path / "x.wav").write_bytes(b"x")
    (tmp_path / "a.wav").write_bytes(b"x")
    listing = FolderListing(tmp_path, True, lambda name: name.endswith(".wav"))
    assert listing.list()
    assert sorted(p.name for p in listing.paths) == ["a.wav", "x.wav"]
    (tmp_path / "x.wav").unlink()
    (tmp_path / "x.wav").mkdir()
    (tmp_path / "x.wav" / "d.wav").write_bytes(b"x")
    assert listing.list(full=True)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in listing.paths) == ["a.wav", "x.wav/d.wav"]
