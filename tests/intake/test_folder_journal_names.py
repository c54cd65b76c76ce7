"""A folder source's journal read back where a file's name holds a character that ends a line for Python's
``splitlines`` but not for the journal (U+2028, U+0085: JSON writes them as they are).

The journal was read with ``splitlines``: such a file's line fell in two parts, neither read, and its take, ended,
was read again at the next start (loaded twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_folder_journal import drop, read_files


@pytest.mark.parametrize("name", ["kick\u2028room.wav", "snare\x85room.wav"])
def test_a_take_that_ended_is_not_read_again_whatever_its_name_holds(tmp_path: Path, name: str) -> None:
    drop(tmp_path, name)
    assert read_files(tmp_path, 1, include_existing=True) == [name]
    assert read_files(tmp_path, 0, include_existing=True) == []
