"""A write whose event watchdog's reader has read from the system, and not handed on yet, holds the file.

watchdog (7.1 on) reads inotify's events on one thread into a queue of raw buffers, which another thread parses and
hands to the watch group (where the count of events read began: :class:`~exsampling_patch.nodes.folder_closes.
CloseWatch`). Events in that queue were counted nowhere: a file written while that thread lagged (a loaded machine)
looked quiet and unclosed, no write heard of it, and was read half-written once quiet for ``settle_time``. They are
now counted as they enter that queue, and hold the files without a close until handed on."""

from __future__ import annotations

import array
import fcntl
import io
import termios
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes import folder_closes
from exsampling_patch.nodes.folder import FolderSource
from tests.intake.counting_wake import CountingWake
from tests.waiting import wait_for

RATE = 8000
SETTLE = 0.2


def wav(samples: np.ndarray) -> bytes:
    data = io.BytesIO()
    sf.write(data, samples, RATE, subtype="PCM_16", format="WAV")
    return data.getvalue()


def unread(fd: int) -> int:
    """Bytes of events the system holds for the inotify instance ``fd``, not read from it yet."""
    pending = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, pending)
    return pending[0]


@pytest.mark.skipif(not folder_module.close_events_available() or folder_closes.InotifyFD is None,
                    reason="counted close events: Linux with watchdog 7.1 on")
def test_a_write_read_by_watchdog_and_not_handed_on_holds_the_file(tmp_path: Path) -> None:
    context = NodeContext(tmp_path)
    node = FolderSource("inbox", {"folder": str(tmp_path), "poll_interval": 0.02, "settle_time": SETTLE}, context)
    node.start()
    try:
        closes = node._closes
        assert closes is not None and wait_for(lambda: closes._counting)
        group = next(iter(closes._observer.emitters))._inotify  # watchdog's watch group
        reader = closes._observer._reader
        wake = node._wake = CountingWake(node._wake)
        samples = (np.arange(4000, dtype=np.float32) % 2000 - 1000) / 4000
        with group._lock, (tmp_path / "late.wav").open("wb") as out:
            # Held, watchdog's parsing thread stops at the first event it hands to the group (as a loaded machine's
            # lags); its reader reads on from the system into the raw queue.
            out.write(wav(samples[:2000]))  # a whole, shorter WAV on disk, still open for writing (a recorder's
            out.flush()  # header kept up to date as it goes)
            assert wait_for(lambda: unread(reader._inotify_fd) == 0)  # read by watchdog's reader: in its raw queue
            scans = wake.waits
            assert wait_for(lambda: wake.waits >= scans + 2)  # seen by a scan begun after the write
            quiet = time.monotonic() + SETTLE
            assert wait_for(lambda: time.monotonic() >= quiet)  # the quiet time, from the latest it can have begun
            scans = wake.waits
            assert wait_for(lambda: wake.waits >= scans + 2)  # a scan begun after it: a quiet file is read by now
            assert context.emitted == [], "read half-written while its write's event waited in watchdog's queue"
            out.seek(0)
            out.write(wav(samples))
        assert wait_for(lambda: len(context.emitted) == 1)  # closed: read once its events are handed on
    finally:
        node.stop()
    take = context.emitted[0][1]
    assert len(take.samples) == len(samples)
    assert context.errors == []
