"""The count of events read and dispatched (:class:`~exsampling_patch.nodes.folder_closes.CloseWatch`, which holds a
file back while a write's event is read and not dispatched yet) begins as watchdog's grouper is wrapped, just after
its watches are added: events read between the two were never counted read, yet each was given a marker counted
dispatched. The dispatched ones ran ahead of the reads for good (``_dispatched >= _read``), and a write read later and
not dispatched yet was taken for dispatched: its file no longer held back. Now only the events counted read are
counted dispatched. A real inotify watch; a file written between the watches' adding and the wrapping (a loaded
machine's thread switch there, made certain here by waiting there until its close is read)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes import folder_closes
from tests.waiting import wait_for


@pytest.mark.skipif(not folder_module.close_events_available() or folder_closes.InotifyFD is None,
                    reason="counted close events: Linux with watchdog 7.1 on")
def test_events_read_before_the_count_begins_are_not_counted_dispatched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchdog.observers.inotify import InotifyEmitter
    from watchdog.observers.inotify_move_event_grouper import PathedInotifyEvent

    start = InotifyEmitter.on_thread_start
    waiting = []

    def written_meanwhile(self: InotifyEmitter) -> None:
        start(self)  # the watches added: the system reads from here on, the grouper not wrapped yet
        (tmp_path / "early.wav").write_bytes(b"RIFF")
        queue = self._inotify._move_event_grouper._queue  # type: ignore[union-attr]
        assert wait_for(lambda: queue.find(lambda e: isinstance(e, PathedInotifyEvent) and e.ev.is_close_write), 30)
        waiting.append(True)
    monkeypatch.setattr(InotifyEmitter, "on_thread_start", written_meanwhile)
    watch = folder_closes.CloseWatch(tmp_path, False, lambda name: True, threading.Event(), lambda text: None)
    try:
        # Its close dispatched: so are the markers of its create and its write, queued before it (counted, before)
        assert wait_for(lambda: any(path.name == "early.wav" for path in list(watch._closed)), 30)
        assert waiting and watch._counting
        with watch._lock:
            read, dispatched = watch._read, watch._dispatched
        assert dispatched <= read, (read, dispatched)  # before: (0, 3): create, write, close counted dispatched
    finally:
        watch.stop()
