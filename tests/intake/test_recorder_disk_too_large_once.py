"""A take too large for the room left on the take folder's disk is told once, not at each of its phone's retries: the
size last told was looked at and set by each request thread unlocked, though the watch's other shared state (its disk
error, the room that ends it, which resets that size) is kept under its lock. Two threads checking the same take at
once both found it untold, and told it twice. Real threads and the real watch; the disk's free space set by the test (a
real disk's moves as others write)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder.disk import DiskWatch

from .test_recorder_disk_full import Gate, SecondCheck


def test_two_request_threads_tell_a_take_too_large_for_the_room_left_once(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The second thread starts as the first looks at the size last told, and the first goes on once the second comes
    to the lock the disk error is told under (it waits there where the first holds it), or is done."""
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: 150 * 10**6)
    told: list[str] = []
    second = SecondCheck(100 * 10**6, "would leave less than 100 MB free")

    class Watch(DiskWatch):
        """The watch, whose size last told starts the second thread as the first looks at it."""

        told_size = -1

        @property
        def _too_large(self) -> int:
            size = self.told_size
            if threading.current_thread() is not second.thread and second.thread.ident is None:
                second.thread.start()
                second.settled.wait()
            return size

        @_too_large.setter
        def _too_large(self, size: int) -> None:
            self.told_size = size

    def telling(text: str, about: str) -> None:
        told.append(text)

    def status(**fields: Any) -> None:
        pass

    watch = Watch(tmp_path, 200.0, 100.0, telling, status)
    watch._held_lock = Gate(second)
    second.both(watch)
    assert len(told) == 1 and told[0].startswith("a take (100.0 MB) was refused"), told
