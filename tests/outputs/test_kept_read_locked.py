"""A read of the kept takes (the sweep's, a stop's count) reads the aside files under the kept file's lock, as it
reads the file: a take-over holds that lock while it moves them into the file and removes them, so a read between
the two steps would find the file without them and the aside files gone, and tell their takes kept by no one (the
sweep then removed their copies).

The window between a take-over's steps cannot be timed without hooks into it, so the test holds the lock as a
take-over does (an exclusive flock on ``.unsent.lock``) with only aside files there: the read waits for it and
tells :class:`LockHeld`, rather than reading them. Before, it read them without the lock whenever the kept file
itself was not there."""

from __future__ import annotations

import fcntl
import socket
from pathlib import Path

import pytest

from exsampling_patch.nodes.kept_bundles import Bundle, LockHeld, append_kept, kept_files, read_kept, unsent_path


def test_the_aside_files_are_read_under_the_kept_files_lock(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    unsent = unsent_path(live / ".sent-live.txt")
    bundle = Bundle((socket.AF_INET, "127.0.0.1", 9), b"one", "one\tHH", False, (str(live / "one.wav"),))
    with open(unsent.with_name(unsent.name + ".lock"), "a") as take_over:
        fcntl.flock(take_over, fcntl.LOCK_EX)
        with pytest.raises(LockHeld) as held:  # a stop meanwhile: written aside
            append_kept(unsent, [bundle])
        assert held.value.aside is not None and held.value.aside.exists() and not unsent.exists()
        with pytest.raises(LockHeld):
            read_kept(unsent)
        with pytest.raises(LockHeld):
            kept_files(unsent)
    assert read_kept(unsent) == ([bundle], [])
    assert kept_files(unsent) == {str(live / "one.wav")}
