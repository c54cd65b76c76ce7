"""A folder source watching sub-folders reads the files in the order written when one arrives in a sub-folder made
while it runs, before watchdog watches that sub-folder.

watchdog watches a new sub-folder only once it has read that folder's creation. A file moved in before then makes no
close event (watchdog's walk of the new folder makes up a creation alone), so it waits for its quiet time; a file
dated after it, moved into a folder watched all along, had its close heard and was read at once, ahead of it (seen in
the whole suite's run under load: ``old/second.wav`` read before ``new/first.wav``). Here the new folder's watch is
held until the first file is in it: no timing decides which way it goes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.nodes.folder import close_events_available
from tests.intake.folder_show import started_source
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(not close_events_available(), reason="needs inotify close events (Linux, watchdog)")

RATE = 8000


def moved_in(staging: Path, where: Path, order: int) -> None:
    """A short WAV written and dated (``order``-th) in ``staging``, then moved in whole to ``where``."""
    written = staging / f"{order}.wav"
    sf.write(written, np.zeros(400, dtype=np.float32), RATE, subtype="PCM_16")
    os.utime(written, ns=(10**18 + order, 10**18 + order))  # in order, on any file system's clock
    os.rename(written, where)


def test_a_file_in_a_new_sub_folder_unwatched_yet_is_read_before_a_later_one_whose_close_was_heard(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchdog.observers.inotify import InotifyWatchGroup

    reached, release, watched = threading.Event(), threading.Event(), threading.Event()
    add = InotifyWatchGroup._add_all_callbacks

    def held(self: InotifyWatchGroup, path: bytes) -> None:
        # watchdog's thread, as it read the creation of new/: held until the first file is in, unwatched
        if os.path.basename(path) == b"new":
            reached.set()
            release.wait(60)
            add(self, path)
            watched.set()
        else:
            add(self, path)

    monkeypatch.setattr(InotifyWatchGroup, "_add_all_callbacks", held)
    folder, staging = tmp_path / "takes", tmp_path / "staging"
    (folder / "old").mkdir(parents=True)
    staging.mkdir()
    node, context = started_source(folder, recursive=True, settle_time=0.5)
    try:
        (folder / "new").mkdir()
        assert reached.wait(60), "watchdog never read new/'s creation"
        moved_in(staging, folder / "new" / "first.wav", 0)  # no close event: new/ is not watched yet
        release.set()
        assert watched.wait(60)
        moved_in(staging, folder / "old" / "second.wav", 1)  # its close heard at once
        assert wait_for(lambda: len(context.emitted) == 2)
    finally:
        release.set()
        node.stop()
    assert context.errors == []
    # Before: ["old/second.wav", "new/first.wav"], the second read at once, the first after its quiet time
    assert [Path(m.path).relative_to(folder).as_posix() for _, m in context.emitted] == [
        "new/first.wav", "old/second.wav"]
