"""A folder source without close events reads a new take once it stayed quiet for ``settle_time``, even while files
dated before it keep arriving (a card copied with its dates kept: ``cp -p``, ``rsync -t``, Finder; a network share).

Files are read in the order written, so one whose close was heard waits for one dated before it that waits for its
quiet time; but only for one the watcher saw no later than it. Held by every older-dated file waiting at any scan, a
new take waited until the stream stopped (7.85 s for 40 files one every 0.2 s, with a 0.5 s settle time)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.nodes import folder as folder_module
from tests.intake.folder_show import started_source
from tests.waiting import wait_for

RATE = 8000
OLD = 1_577_836_800 * 10**9  # 2020-01-01: the dates a copy kept
STREAM_FILES = 100  # one every 0.1 s: 10 s of stream, where the new take waited for all of it


def moved_in(staging: Path, where: Path, dated_ns: int | None) -> None:
    """A short WAV written in ``staging``, dated ``dated_ns`` (now if None), then moved in whole to ``where``."""
    written = staging / where.name
    sf.write(written, np.zeros(400, dtype=np.float32), RATE, subtype="PCM_16")
    if dated_ns is not None:
        os.utime(written, ns=(dated_ns, dated_ns))
    os.rename(written, where)


def test_a_new_take_is_read_while_older_dated_files_keep_arriving_without_close_events(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    folder, staging = tmp_path / "takes", tmp_path / "staging"
    folder.mkdir()
    staging.mkdir()
    stop, ended = threading.Event(), threading.Event()

    def stream() -> None:
        # Paced, not waited on: the interval under settle_time keeps one older-dated file waiting at every scan.
        for n in range(STREAM_FILES):
            if stop.wait(0.1):
                break
            moved_in(staging, folder / f"card_{n:03}.wav", OLD + n * 10**9)
        ended.set()

    node, context = started_source(folder, settle_time=0.5)
    streaming = threading.Thread(target=stream, daemon=True)
    try:
        streaming.start()
        assert wait_for(lambda: len(list(folder.glob("card_*.wav"))) >= 2, 30), "the stream never began"
        moved_in(staging, folder / "new_take.wav", None)
        new_read = wait_for(lambda: any(Path(m.path).name == "new_take.wav" for _, m in context.emitted), 30)
        still_streaming = not ended.is_set()
    finally:
        stop.set()
        streaming.join(30)
        node.stop()
    assert context.errors == []
    assert new_read, "the new take was never read"
    # Before the fix: read only once the stream stopped (10 s), not after its own settle_time (0.5 s)
    assert still_streaming, "the new take waited for the older-dated stream to stop"
