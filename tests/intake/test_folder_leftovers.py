"""The folder source over a long show: what it keeps of files gone from the folder is forgotten (its close events'
table grew with every file ever closed under a sub-folder moved away), and a sub-folder named like a sound file
(``x.wav/``) is no take (it was read as one, and told unreadable)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes.folder import FolderSource
from tests.intake.counting_wake import CountingWake
from tests.intake.folder_show import started_source
from tests.waiting import wait_for

RATE = 8000


def write_take(path: Path, seconds: float = 0.05) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.linspace(-0.5, 0.5, int(seconds * RATE), dtype=np.float32), RATE, subtype="PCM_16")


def scans_past_quiet(node: FolderSource) -> None:
    """Returns once a scan that began past the quiet time a file without a close waits (settle_time, or the close
    events' hold floor) has ended, counted from a scan that began after this call: what the folder held then (a
    sub-folder made just before), seen by that scan, is read or told by then. Scans counted, not slept: a loaded
    machine's late scans are waited for."""
    closes = node._closes
    quiet = max(node.settle_time, closes.hold_floor if closes is not None else 0.0)
    wake = CountingWake(node._wake)
    node._wake = wake
    # Two waits: the second ends a scan begun after the first, so after this call.
    assert wait_for(lambda: wake.waits >= 2), "the folder source stopped scanning"
    ready = time.monotonic() + quiet
    assert wait_for(lambda: time.monotonic() >= ready, quiet + 10.0)
    seen = wake.waits
    assert wait_for(lambda: wake.waits >= seen + 2), "the folder source stopped scanning"


def names(context: NodeContext, folder: Path) -> list[str]:
    return [Path(take.path).relative_to(folder).as_posix() for _, take in context.emitted]


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
def test_close_events_of_files_moved_away_with_their_folder_are_forgotten_none_read_twice(tmp_path: Path) -> None:
    """A sub-folder of takes moved out of the watched folder (archived mid-show): inotify tells the folder's move
    alone, not its files', whose closes stayed in the table for good. A file still there keeps its close: its times
    set again (``touch``) do not make it a new take."""
    folder = tmp_path / "takes"
    (folder / "set1").mkdir(parents=True)  # watched from the start: a file made with its folder may come unheard
    node, context = started_source(folder, recursive=True)
    try:
        for i in range(5):
            write_take(folder / "set1" / f"t{i}.wav")
        write_take(folder / "keep.wav")
        assert wait_for(lambda: len(context.emitted) == 6)
        closes = node._closes
        assert closes is not None
        assert len(closes.snapshot(set(node._listing.paths))[0]) == 6
        shutil.move(folder / "set1", tmp_path / "archive")
        assert wait_for(lambda: set(closes._closed) == {folder / "keep.wav"}), sorted(closes._closed)
        # New times, same sound: not read again, though its IN_ATTRIB comes late (watchdog holds the events behind
        # a move out 0.5 s, past settle_time: the scan waits for them since 7f4b25cd, and, since they reach the
        # queue one by one after the move's own event, half a second past its delivery: read twice 2 runs in 10
        # without).
        read_as = node._done[folder / "keep.wav"][0]
        os.utime(folder / "keep.wav")
        assert wait_for(lambda: folder / "keep.wav" in closes._touched)
        # The scan has settled keep.wav at its new times: read again (a second take, emitted by now) or not.
        assert wait_for(lambda: node._done[folder / "keep.wav"][0] != read_as)
        write_take(folder / "next.wav")
        assert wait_for(lambda: len(context.emitted) >= 7)
    finally:
        node.stop()
    assert context.errors == [] and context.fates == []
    assert sorted(names(context, folder)[:5]) == [f"set1/t{i}.wav" for i in range(5)]
    assert names(context, folder)[5:] == ["keep.wav", "next.wav"]


@pytest.mark.parametrize("recursive", [False, True])
def test_a_sub_folder_named_like_a_sound_file_is_no_take(tmp_path: Path, recursive: bool) -> None:
    """``old.wav/`` there at start (include_existing) and ``new.wav/`` made while it runs: not read, not told
    unreadable; the files beside them are read (in them too, where recursive)."""
    folder = tmp_path / "takes"
    (folder / "old.wav").mkdir(parents=True)
    write_take(folder / "old.wav" / "inner.wav")
    node, context = started_source(folder, recursive=recursive, include_existing=True)
    try:
        (folder / "new.wav").mkdir()
        write_take(folder / "new.wav" / "inner2.wav")
        write_take(folder / "real.wav")
        expected = ["new.wav/inner2.wav", "old.wav/inner.wav", "real.wav"] if recursive else ["real.wav"]
        assert wait_for(lambda: len(context.emitted) >= len(expected))
        scans_past_quiet(node)  # a folder taken as a take would be told by now
    finally:
        node.stop()
    assert context.errors == [] and context.fates == [] and context.ended == []
    assert sorted(names(context, folder)) == expected
