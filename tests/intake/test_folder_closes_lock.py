"""The close-event table of the folder source (nodes/folder_closes.py): its lock is taken by watchdog's thread for
every event, so no disk access may happen while it is held (a slow network share would stall the close events)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes.folder_closes import CloseWatch
from tests.waiting import wait_for


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
def test_forgetting_gone_files_looks_at_the_disk_outside_the_lock(tmp_path: Path) -> None:
    """forget_gone() asked the disk again (os.path.lexists) holding the lock, against its own comment."""
    watch = CloseWatch(tmp_path, False, lambda name: name.endswith(".wav"), threading.Event(), lambda text: None)
    try:
        gone, kept = tmp_path / "gone.wav", tmp_path / "kept.wav"
        kept.write_bytes(b"")
        with watch._lock:  # as a sub-folder moved away leaves them: no event says these files are gone
            for path in (gone, kept):
                watch._closed[path] = ((0, 0), 1)
                watch._writing.add(path)
                watch._touched[path] = (0, 0)
        held: list[bool] = []

        def spy(frame: FrameType, event: str, arg: Any) -> None:
            if event == "c_call" and arg is os.lstat:
                held.append(watch._lock.locked())

        sys.setprofile(spy)
        try:
            watch.forget_gone(set())
        finally:
            sys.setprofile(None)
        assert held and not any(held), held
        assert set(watch._closed) == {kept} and watch._writing == {kept} and set(watch._touched) == {kept}
    finally:
        watch.stop()


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
def test_a_file_made_again_while_the_disk_is_asked_stays_open_for_writing(tmp_path: Path) -> None:
    """Found gone, then made again and written before the entries are forgotten: it stays *writing* (the scan waits
    for its close), as the second look at the disk under the lock kept it before."""
    watch = CloseWatch(tmp_path, False, lambda name: name.endswith(".wav"), threading.Event(), lambda text: None)
    path = tmp_path / "again.wav"
    with watch._lock:
        watch._writing.add(path)
    made: list[Any] = []

    def make_again(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_exception" and arg is os.lstat and not made and frame.f_locals.get("path") == path:
            writer = path.open("wb")  # found gone just now: made again, written (IN_MODIFY), not closed
            made.append(writer)
            writer.write(b"RIFF")
            writer.flush()
            assert wait_for(lambda: path in (watch._heard_meanwhile or ()))

    try:
        sys.setprofile(make_again)
        try:
            watch.forget_gone(set())
        finally:
            sys.setprofile(None)
        assert made and watch._writing == {path}
    finally:
        for writer in made:
            writer.close()
        watch.stop()
