"""The folder source while watchdog holds inotify's events: after a move out of the folder (IN_MOVED_FROM) it holds
every event behind it 0.5 s, waiting for the move in that would pair with it. A file touched then (new times, same
sound) was read again as a new take by a ``settle_time`` under that hold: its IN_ATTRIB came after the read. The hold
was then taken to end 1 s after the move (0.5 s past watchdog's): delivered later (a loaded machine), the file was
read twice all the same. It now ends when the move's own event is delivered: watchdog's hold made 1.5 s long here (its
own setting, the delivery as late as a loaded machine makes it) reads the file once too. Its held events may reach
the observer's queue later still (watchdog's emitter, loaded): the hold lasts until every event read before the
move's delivery is dispatched, counted, not for a time. Where watchdog's grouper cannot be counted (a watchdog that
renamed its internals), the hold goes by HOLD_MARGIN past the delivery: that path is run too, and the installed
watchdog is checked to be counted, so that an upgrade renaming them fails here rather than degrading unseen."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from watchdog.events import FileSystemEvent, FileSystemEventHandler

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes import folder_closes
from exsampling_patch.nodes.folder import FolderSource
from tests.intake.counting_wake import CountingWake
from tests.waiting import wait_for

RATE = 8000


def delay_attrib_events(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """watchdog's emitter queues each new-times event (IN_ATTRIB) ``seconds`` late, as a loaded machine's does: the
    move out's event is dispatched, the observer's queue empty, the touch not in it yet (read twice, past a hold that
    ended half a second after the move's delivery)."""
    from watchdog.observers.inotify import InotifyEmitter
    from watchdog.observers.inotify_move_event_grouper import GroupedInotifyEvent, PathedInotifyEvent
    build = InotifyEmitter.build_and_queue_event

    def late(self: InotifyEmitter, event: GroupedInotifyEvent, *, full_events: bool = False) -> None:
        if isinstance(event, PathedInotifyEvent) and event.ev.is_attrib:
            time.sleep(seconds)  # the emitter's thread, not the test's: the delivery a loaded machine makes
        build(self, event, full_events=full_events)
    monkeypatch.setattr(InotifyEmitter, "build_and_queue_event", late)


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
@pytest.mark.parametrize(("hold", "late", "counted"), [(None, 0.0, True), (1.5, 0.0, True), (None, 1.0, True),
                                                      (None, 0.0, False)],
                         ids=["watchdog's hold", "a hold delivered late", "held events queued late",
                              "uncounted: HOLD_MARGIN"])
def test_a_file_touched_while_events_are_held_is_not_read_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                hold: float | None, late: float,
                                                                counted: bool) -> None:
    monkeypatch.setattr(folder_closes, "COUNT_HELD", counted)  # off: as a watchdog without the grouper's internals
    if hold is not None:
        from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper
        monkeypatch.setattr(InotifyMoveEventGrouper, "delay", hold)  # read as each watch group starts: this node's
    if late:
        delay_attrib_events(monkeypatch, late)
    folder = tmp_path / "takes"
    folder.mkdir()
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "poll_interval": 0.01, "settle_time": 0.05}, context)
    node.start()
    try:
        take = folder / "keep.wav"
        sf.write(take, np.linspace(-0.5, 0.5, 400, dtype=np.float32), RATE, subtype="PCM_16")
        assert wait_for(lambda: len(context.emitted) == 1)
        closes = node._closes
        assert closes is not None
        assert closes._counting is counted  # the path this case means to run
        (folder / "notes.txt").write_text("moved away")
        os.rename(folder / "notes.txt", tmp_path / "notes.txt")  # IN_MOVED_FROM: the events behind it are held
        os.utime(take, ns=(10**18, 10**18))  # new times alone, as touch or cp -p sets them
        assert wait_for(lambda: take in closes._touched)  # the IN_ATTRIB, once watchdog let go of it
        wake = CountingWake(node._wake)
        node._wake = wake
        assert wait_for(lambda: wake.waits >= 3)  # scans after it: a second take of keep.wav would come by now
    finally:
        node.stop()
    assert len(context.emitted) == 1, [t.path for _, t in context.emitted]
    assert context.errors == [] and context.fates == []


def _watchdog_version() -> tuple[int, ...]:
    from watchdog.version import VERSION_MAJOR, VERSION_MINOR
    return (VERSION_MAJOR, VERSION_MINOR)


@pytest.mark.skipif(not folder_module.close_events_available(), reason="close events: Linux with watchdog")
def test_the_installed_watchdog_is_counted(tmp_path: Path) -> None:
    """watchdog 7.1 on has the raw reader and the move grouper whose internals (its ``put_event``, its queue's
    ``remove``) the hold is counted through: renamed by an upgrade, the code falls back to HOLD_MARGIN without a
    word, and a loaded machine reads a touched file twice again. This fails instead."""
    if _watchdog_version() < (7, 1):
        pytest.skip("watchdog before 7.1: moves are not seen as read, the quiet time's floor holds")
    assert folder_closes.InotifyFD is not None, "watchdog's raw inotify reader (InotifyFD) is no longer importable"
    closes = folder_closes.CloseWatch(tmp_path, False, lambda name: True, threading.Event(), lambda message: None)
    try:
        # Set on the emitter's thread as it starts: the grouper's put_event and _queue.remove found and wrapped
        assert wait_for(lambda: closes._counting), "watchdog's move grouper internals are gone: held events uncounted"
    finally:
        closes.stop()


class _HeldAtDeletion(FileSystemEventHandler):
    """A second handler on the watch, holding the observer's thread at the first deletion until ``go`` is set: the
    events and markers queued meanwhile wait in the observer's queue, as on a loaded machine."""

    def __init__(self) -> None:
        self.go = threading.Event()

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type == "deleted":
            self.go.wait(30)


@pytest.mark.skipif(not folder_module.close_events_available() or folder_closes.InotifyFD is None,
                    reason="counted close events: Linux with watchdog 7.1 on")
def test_a_moves_hold_ends_though_events_made_no_event(tmp_path: Path) -> None:
    """An event watchdog reads and turns into none (a watched subfolder's own deletion, IN_DELETE_SELF: the folder's
    IN_DELETE tells the removal) queues a marker alone, just behind the marker of the event before it. Equal markers
    were dropped by the observer's queue as repeats while the first waited there: fewer events were counted
    dispatched than read, for good, and after a move out the hold lasted HOLD_LIMIT (30 s), every file without a
    close waiting that long. Each marker is named apart: the hold ends once they are dispatched (within the 10 s
    waited here)."""
    folder = tmp_path / "takes"
    for name in ("one", "two"):
        (folder / name).mkdir(parents=True)
    closes = folder_closes.CloseWatch(folder, True, lambda name: True, threading.Event(), lambda message: None)
    held = _HeldAtDeletion()
    try:
        assert wait_for(lambda: closes._counting)
        emitter = next(iter(closes._observer.emitters))
        closes._observer.add_handler_for_watch(held, emitter.watch)
        (folder / "one").rmdir()
        (folder / "two").rmdir()
        waiting = emitter._inotify._move_event_grouper._queue._queue
        # Both removals read (IN_DELETE, IN_DELETE_SELF each) and taken by the emitter: their markers all queued
        assert wait_for(lambda: closes._read >= 4 and not waiting), closes._read
        held.go.set()
        (folder / "notes.txt").write_text("moved away")
        os.rename(folder / "notes.txt", tmp_path / "notes.txt")
        assert wait_for(lambda: closes._delivered > -float("inf"))  # the move out delivered, its hold released
        assert wait_for(lambda: closes.held_until() < time.monotonic()), (closes._read, closes._dispatched)
    finally:
        held.go.set()
        closes.stop()
