"""A file written slowly, open for writing longer than ``settle_time``, is read once closed, whole.

With close events, a file written to (IN_MODIFY) waits for its writer's close, however long the writer pauses; an
unclosed file with no write heard of waits ``settle_time`` only. The write's event reaches the folder source through
watchdog's threads: delivered later than ``settle_time`` after the scan saw the file (a loaded machine), the file looked
quiet and unclosed, and was read half-written (an AIFF reads as what it holds, no length check catches it), then read
again whole, as a second take. Events read from the system and not dispatched yet now hold back every unclosed file.
The delay is watchdog's own emitter thread, made to queue each write's event late.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes.folder import FolderSource
from tests.intake.counting_wake import CountingWake
from tests.waiting import wait_for

RATE = 8000
FRAMES = 8000


def delay_write_events(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """watchdog's emitter queues each write's event (IN_MODIFY) ``seconds`` late, as a loaded machine's may."""
    from watchdog.observers.inotify import InotifyEmitter
    from watchdog.observers.inotify_move_event_grouper import GroupedInotifyEvent, PathedInotifyEvent
    build = InotifyEmitter.build_and_queue_event

    def late(self: InotifyEmitter, event: GroupedInotifyEvent, *, full_events: bool = False) -> None:
        if isinstance(event, PathedInotifyEvent) and event.ev.is_modify:
            time.sleep(seconds)  # the emitter's thread, not the test's
        build(self, event, full_events=full_events)
    monkeypatch.setattr(InotifyEmitter, "build_and_queue_event", late)


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
def test_a_file_written_slowly_is_read_once_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    delay_write_events(monkeypatch, 1.0)  # far past settle_time
    sound = io.BytesIO()
    sf.write(sound, np.linspace(-0.5, 0.5, FRAMES, dtype=np.float32), RATE, format="AIFF", subtype="PCM_16")
    data = sound.getvalue()
    folder = tmp_path / "takes"
    folder.mkdir()
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "poll_interval": 0.01, "settle_time": 0.05}, context)
    node.start()
    try:
        closes = node._closes
        assert closes is not None
        take = folder / "slow.aiff"
        with open(take, "wb") as writer:
            writer.write(data[:len(data) // 2])
            writer.flush()  # half of it on disk, the writer pausing longer than settle_time
            assert wait_for(lambda: take in closes._writing)  # its write heard (late, where delayed)
            wake = CountingWake(node._wake)
            node._wake = wake
            assert wait_for(lambda: wake.waits >= 3)  # scans since: a half-read take would have come
            writer.write(data[len(data) // 2:])
        assert wait_for(lambda: len(context.emitted) >= 1)
        waits = wake.waits
        assert wait_for(lambda: wake.waits >= waits + 3)  # scans after it: a second take would come by now
    finally:
        node.stop()
    assert [len(t.samples) for _, t in context.emitted] == [FRAMES]
    assert context.errors == [] and context.fates == []
