"""Which files of a folder their writers have closed, for the folder source (:mod:`.folder`): Linux's inotify
through :mod:`watchdog`, whose close events (IN_CLOSE_WRITE, IN_MOVED_TO) say a file is whole however long its
writer paused.

watchdog tells only its own watch groups of a queue overflow (IN_Q_OVERFLOW: events dropped, which ones unsaid);
:class:`_OverflowTellingFD` (watchdog 7.1 on) tells :class:`CloseWatch` too; without it (watchdog before 7.1) an
overflow goes unheard, and a lost close is waited for.

watchdog holds every event :data:`HOLD` seconds behind a move out of the folder (IN_MOVED_FROM), for the move in that
would pair with it: a file's close or new times (IN_ATTRIB) then come late. :meth:`CloseWatch.held_until` says
whether events may be so held: from a move out read (the reader sees the moves as the system tells them, before the
hold) until its own event reaches :meth:`CloseWatch.dispatch` and every event read before that delivery has reached
it too (counted as read and as dispatched, not waited for a time: a loaded machine delivers them late),
:data:`HOLD_LIMIT` at most. Without that reader, :attr:`CloseWatch.hold_floor` is the quiet time a file without a
close waits at least. Counted, any event read and not dispatched yet holds too, move or none: a write's event
(IN_MODIFY) that watchdog's threads deliver later than ``settle_time`` (a loaded machine) let a file still open for
writing look quiet, and it was read half-written. So does one its reader has read from the system and its parsing
thread not handed to the watch group yet (:mod:`.folder_raw_queue`): counted only from there, a write's event
waiting in that queue held nothing.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

from exsampling_patch.nodes.folder_journal import Stamp
from exsampling_patch.nodes.folder_raw_queue import CountedRawQueue

try:  # Linux: inotify, which says when a writer closes a file
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers.inotify import InotifyObserver
except Exception:  # not installed, or not Linux (no inotify in its libc): the quiet time alone
    InotifyObserver = None  # type: ignore[assignment,misc]
    FileSystemEventHandler = object  # type: ignore[assignment,misc]

try:  # watchdog 7.1 on: its inotify reader is a class of its own, that sees the queue overflow (IN_Q_OVERFLOW)
    from watchdog.observers.api import BaseObserver
    from watchdog.observers.inotify import InotifyFullEmitter
    from watchdog.observers.inotify_c import InotifyEvent, InotifyFD
    from watchdog.observers.inotify_move_event_grouper import GroupedInotifyEvent, PathedInotifyEvent
except Exception:  # older: overflows go unheard (the close events they drop are waited for)
    InotifyFD = None  # type: ignore[assignment,misc]

try:  # how long watchdog holds the events behind a move out (its move pairing): 0.5 s in every version so far
    from watchdog.observers.inotify_move_event_grouper import InotifyMoveEventGrouper
    HOLD = float(InotifyMoveEventGrouper.delay)
except Exception:
    HOLD = 0.5

#: Seconds past :data:`HOLD` that the events it held may take to reach :meth:`CloseWatch.dispatch` (watchdog's
#: emitter and observer threads, on a loaded machine): the hold's bound where the events read are not counted (a
#: watchdog whose watch group has no move grouper to count them at).
HOLD_MARGIN = 0.5

#: Seconds a move out read is taken as holding events at most, its event not delivered (a safety bound: a watch
#: removed with it pending, say); delivered, the hold ends then.
HOLD_LIMIT = 30.0

#: Whether to count the events watchdog holds through its grouper's internals (``put_event``, ``_queue.remove``);
#: off, the hold goes by :data:`HOLD_MARGIN`, as on a watchdog that renamed them (tests run that path this way).
COUNT_HELD = True

Close = tuple[Stamp, int]  # a file's stamp at its writer's close, and that close's number (one count for all files)


def inotify_available() -> bool:
    """Whether this system can say when a file's writer closed it (Linux, with watchdog installed)."""
    return InotifyObserver is not None and sys.platform.startswith("linux")


def file_stamp(path: Path) -> Stamp | None:
    """A file's size and modification time (ns); None where it is gone."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class CloseWatch(FileSystemEventHandler):
    """Which files of a folder their writers have closed (or renamed in), and which are open for writing.

    Fed by watchdog's inotify observer on its own thread; the scan reads :meth:`snapshot`. A file is *closed*
    with the stamp it had at its close (IN_CLOSE_WRITE) or rename into the folder (IN_MOVED_TO) and that close's
    number, *writing* from a write after that (IN_MODIFY) until its next close, and *touched* with the stamp it
    had when its times alone changed since (IN_ATTRIB). :meth:`overflows` counts the times the system dropped
    events (its queue full): any of these may then be missing.
    """

    def __init__(self, root: Path, recursive: bool, wanted: Callable[[str], bool], wake: threading.Event,
                 report: Callable[[str], None]) -> None:
        super().__init__()
        self._wanted, self._wake, self._report = wanted, wake, report
        self._lock = threading.Lock()
        self._closed: dict[Path, Close] = {}
        self._closes = 0  # numbers each close, so that a file closed again is told apart from one closed once
        self._writing: set[Path] = set()
        self._touched: dict[Path, Stamp] = {}
        # Files heard of since the last take_changed(): the scan looks again at these among the files already read,
        # not at every one of them at every scan.
        self._changed: set[Path] = set()
        # While forget_gone() asks the disk (outside the lock): the files heard of meanwhile, whose entries it keeps.
        self._heard_meanwhile: set[Path] | None = None
        self._overflows = 0
        # Moves out of the folder read from the system, not paired nor delivered yet (cookie -> when read, its name):
        # the events behind each are held by watchdog, told here later than the scan sees what they tell.
        self._moves_out: dict[int, tuple[float, str]] = {}
        self._delivered = -float("inf")  # time.monotonic() of the last move out delivered: its held events follow it
        # Events read from the system (as watchdog's watch group takes them) and dispatched here, counted where
        # watchdog lets them be (_CountingEmitter): the hold lasts until those read by the move's delivery are all
        # dispatched, however late a loaded machine brings them.
        self._counting = False
        self._read = self._dispatched = 0
        self._read_by_delivery = 0
        self._raw = 0  # events watchdog's reader read from the system that its parsing thread has not handed on yet
        self._behind_since: float | None = None  # since when events read are not all dispatched (None: none)
        #: The quiet time a file without a close waits at least: watchdog's hold, where moves are not seen as read.
        self.hold_floor = 0.0 if InotifyFD is not None else HOLD + HOLD_MARGIN
        self._observer = _observer(self._overflowed, self._moved, self._count, self._count_raw)
        try:
            self._observer.schedule(self, str(root), recursive=recursive)
            self._observer.start()
        except BaseException:
            self._observer.stop()
            raise

    def alive(self) -> bool:
        return bool(self._observer.is_alive())

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=2.0)

    def snapshot(self, paths: Collection[Path]) -> tuple[dict[Path, Close], set[Path], dict[Path, Stamp]]:
        """What is known of ``paths`` (closed, writing, touched): of those alone, not of every file closed since the
        start, kept until it is deleted (copied whole at every scan, they cost more the more takes the folder kept)."""
        with self._lock:
            return ({path: self._closed[path] for path in paths if path in self._closed},
                    {path for path in self._writing if path in paths},
                    {path: self._touched[path] for path in paths if path in self._touched})

    def forget_gone(self, present: Collection[Path]) -> None:
        """Forget the files not in ``present`` (the scan's listing) and gone from the disk. Deleted or moved files are
        forgotten as their events come, but not those of a sub-folder moved away (inotify tells the folder's move
        alone) nor those whose events an overflow dropped: kept for good, they grew the table all show long. A file
        still there keeps its close (its times set again later are then no new take), and an entry that changed
        meanwhile (the file made again and closed) is kept."""
        with self._lock:
            closed = {path: close for path, close in self._closed.items() if path not in present}
            others = {path for path in (*self._writing, *self._touched) if path not in present}
            self._heard_meanwhile = set()
        try:
            # Outside the lock: disk I/O (a slow share) would stall watchdog's thread, which takes it for each event
            gone = {path for path in closed.keys() | others if not os.path.lexists(path)}
            with self._lock:
                heard = self._heard_meanwhile or set()
                for path in gone:
                    if path in closed and self._closed.get(path) == closed[path]:
                        del self._closed[path]
                    if path in others and path not in heard:  # not made again meanwhile (then written now)
                        self._writing.discard(path)
                        self._touched.pop(path, None)
        finally:
            with self._lock:
                self._heard_meanwhile = None

    def take_changed(self) -> set[Path]:
        """The files any event was heard of since the last call (written, closed, renamed, touched, deleted)."""
        with self._lock:
            changed, self._changed = self._changed, set()
        return changed

    def overflows(self) -> int:
        """How many times the system's event queue overflowed (events were dropped) since the start."""
        with self._lock:
            return self._overflows

    def held_until(self) -> float:
        """The :func:`time.monotonic` time until which watchdog may hold events not told yet (-inf: none held): a
        move out read and not delivered, or delivered with events still queued behind it, or (counted) any event read
        and not dispatched yet. Read before :meth:`snapshot`, after the scan's stamps: the events a hold released
        are in that snapshot, and so are those of the writes the stamps show, where read by then."""
        now = time.monotonic()
        with self._lock:
            if self._moves_out:
                self._moves_out = {c: m for c, m in self._moves_out.items() if now - m[0] < HOLD_LIMIT}
            held = max((t for t, _ in self._moves_out.values()), default=-float("inf")) + HOLD_LIMIT
            delivered, counting = self._delivered, self._counting
            behind = self._dispatched < self._read_by_delivery
            behind_since = self._behind_since
        if behind_since is not None and now - behind_since < HOLD_LIMIT:
            # A write's event read and not told yet: the file it wrote to may look quiet and unclosed meanwhile.
            # HOLD_LIMIT bounds an event read and never dispatched (a watchdog that drops one): else held for good.
            return now + HOLD_LIMIT
        if counting:  # the events read by the move's delivery (those it held among them) not all dispatched yet
            return now + HOLD_LIMIT if behind and now - delivered < HOLD_LIMIT else held
        if now - delivered < HOLD_LIMIT and _undispatched(self._observer) > 0:
            return now + HOLD_LIMIT  # the events the hold released, queued behind the move, not dispatched yet
        # Released with the move, the events held behind it reach the queue one by one, not with it: an empty queue
        # just after the move's delivery is no sign that they are all in; uncounted, a time is all there is.
        return max(held, delivered + HOLD_MARGIN)

    def _count(self, read: int, dispatched: int) -> None:
        # From _CountingEmitter: read on watchdog's reader thread (before the event is queued to be held), dispatched
        # on the observer's (after the events made of it were dispatched); (0, 0) when it starts counting.
        with self._lock:
            self._counting = True
            self._read += read
            self._dispatched += dispatched
            self._behind()

    def _count_raw(self, events: int) -> None:
        # From CountedRawQueue: + as watchdog's reader queues what it read, - once its parsing thread handed it on (to
        # the watch group, which counts what it takes as read: _count). Not the count's start: raw alone, uncounted.
        with self._lock:
            self._raw += events
            self._behind()

    def _behind(self) -> None:
        """Start or end (under the lock) the time since which events read are not all dispatched."""
        if self._dispatched >= self._read and self._raw <= 0:
            self._behind_since = None
        elif self._behind_since is None:
            self._behind_since = time.monotonic()

    def _moved(self, cookie: int, out: bool, name: str) -> None:
        # On watchdog's parsing thread, as the system tells the move: before the hold, and before any event behind it.
        # The name alone (its folder is the watch group's to tell): delivered, the oldest move out of that name ends.
        with self._lock:
            if out:
                self._moves_out[cookie] = (time.monotonic(), name)
            else:  # moved in: paired with its move out (released at once), or a move in from elsewhere
                self._moves_out.pop(cookie, None)

    def _move_out_delivered(self, name: str) -> None:
        # A move out unpaired, released by watchdog's hold: the events held behind it are queued after it.
        with self._lock:
            cookie = min((c for c, m in self._moves_out.items() if m[1] == name),
                         key=lambda c: self._moves_out[c][0], default=None)
            if cookie is not None:
                del self._moves_out[cookie]
                self._delivered = time.monotonic()
                self._read_by_delivery = self._read  # those held behind it were read before it was let go
        self._wake.set()

    def _overflowed(self) -> None:
        # On watchdog's parsing thread, maybe before events read ahead of the overflow reach dispatch(): the scan's
        # doubt goes by the files' stamps, not by the order things are heard in.
        with self._lock:
            self._overflows += 1
        self._wake.set()

    def dispatch(self, event: FileSystemEvent) -> None:
        if isinstance(event, _Dispatched):  # the events made of these read events were all dispatched
            self._count(0, event.read)
            return
        try:
            if event.event_type == "moved" and not event.dest_path and event.src_path:  # a move out, unpaired
                self._move_out_delivered(os.path.basename(os.fsdecode(event.src_path)))
            self._on_event(event)
        except Exception as error:  # never let one odd event end the observer thread
            self._report(f"close events: {error!r} on {event!r}")

    def _on_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        kind = event.event_type
        path = Path(os.fsdecode(event.src_path)) if event.src_path else None
        if path is not None:
            self._heard(path)
        if kind == "moved":
            if path is not None:
                self._forget(path)
            dest = os.fsdecode(getattr(event, "dest_path", "") or "")
            if dest:
                self._heard(Path(dest))
                self._closed_now(Path(dest))
        elif kind == "closed":  # IN_CLOSE_WRITE: the writer is done with it (not a close after reading)
            if path is not None:
                self._closed_now(path)
        elif kind == "modified":  # IN_MODIFY (and IN_ATTRIB before watchdog 7): written again, open
            if path is not None and self._wanted(path.name):
                with self._lock:
                    self._writing.add(path)
                    self._touched.pop(path, None)
        elif kind == "attrib":  # IN_ATTRIB (watchdog 7 on): its times alone changed (cp -p, touch)
            if path is not None and self._wanted(path.name):
                stamp = file_stamp(path)
                with self._lock:
                    if stamp is not None and path not in self._writing:
                        self._touched[path] = stamp
        elif kind == "deleted" and path is not None:
            self._forget(path)

    def _heard(self, path: Path) -> None:
        with self._lock:
            self._changed.add(path)
            if self._heard_meanwhile is not None:
                self._heard_meanwhile.add(path)

    def _closed_now(self, path: Path) -> None:
        if not self._wanted(path.name):
            return
        stamp = file_stamp(path)
        with self._lock:
            self._writing.discard(path)
            self._touched.pop(path, None)
            if stamp is None:
                self._closed.pop(path, None)
            else:
                self._closes += 1
                self._closed[path] = (stamp, self._closes)
        self._wake.set()

    def _forget(self, path: Path) -> None:
        with self._lock:
            self._closed.pop(path, None)
            self._writing.discard(path)
            self._touched.pop(path, None)


if InotifyFD is not None:

    class _OverflowTellingFD(InotifyFD):
        """watchdog's inotify reader, telling ``on_overflow`` when the system's event queue overflowed: events were
        dropped, which ones is not said. watchdog tells only its own watch groups (to watch anew). ``on_move`` hears
        each move (its cookie, and whether out), before watchdog holds the events behind a move out. ``on_raw`` hears
        of the events its reader thread queues for its parsing thread, and of those handed on."""

        def __init__(self, on_overflow: Callable[[], None], on_move: Callable[[int, bool, str], None],
                     on_raw: Callable[[int], None]) -> None:
            super().__init__()
            self._on_overflow, self._on_move = on_overflow, on_move
            raw = getattr(self, "_raw_queue", None)  # watchdog 7.1.1's own; 7.1.0 read and parsed on one thread
            if raw is not None and hasattr(raw, "get_nowait"):
                self._raw_queue = CountedRawQueue(raw, on_raw)

        def handle_event(self, event: InotifyEvent) -> None:
            if event.is_queue_overflow:
                self._on_overflow()
            elif event.is_moved_from or event.is_moved_to:
                self._on_move(event.cookie, event.is_moved_from, os.fsdecode(event.name))
            super().handle_event(event)

    class _Dispatched(FileSystemEvent):
        """Queued by :class:`_CountingEmitter` behind the events it made of ``read`` events read: no file's event."""

        event_type = "dispatched"
        read = 0

    class _CountingEmitter(InotifyFullEmitter):
        """watchdog's emitter, telling ``on_count`` of each event its watch group takes from the reader (before the
        move pairing may hold it) and, by a :class:`_Dispatched` queued behind the events made of it, of each one
        dispatched. Read and dispatched events are not one for one (an open makes none, a paired move one of two
        read): these count the read ones at both ends."""

        def __init__(self, *args: object, on_count: Callable[[int, int], None], **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._on_count = on_count
            self._counted = False  # the grouper's internals found and wrapped: markers are queued
            self._marks = itertools.count()
            # ids of the events read since the wrapping, counted read, not yet queued or purged: those the reader
            # passed on before it (between the watches' adding and the wrapping) were never counted read, and marked
            # dispatched all the same, the count ran ahead of the reads and hid writes not dispatched yet for good
            self._read_ids: set[int] = set()

        def on_thread_start(self) -> None:
            super().on_thread_start()
            grouper = getattr(self._inotify, "_move_event_grouper", None) if COUNT_HELD else None
            put = getattr(grouper, "put_event", None)
            if put is None:  # another watchdog: uncounted, the hold goes by HOLD_MARGIN
                return
            queue = getattr(grouper, "_queue", None)
            remove = getattr(queue, "remove", None)
            if remove is None:
                return
            on_count, pairing = self._on_count, threading.local()

            read_ids = self._read_ids

            def counted(event: PathedInotifyEvent) -> None:
                if read := _read_in(event):
                    read_ids.add(id(event))  # alive until taken from the queue: no other event has its id meanwhile
                on_count(read, 0)  # before it is queued: never seen dispatched before it is counted read
                pairing.on = True  # a move in takes its move out from the queue, to queue them as one
                try:
                    put(event)
                finally:
                    pairing.on = False

            def removed(predicate: Callable[[GroupedInotifyEvent], bool]) -> GroupedInotifyEvent | None:
                # Else a watch's events purged (its folder gone): never dispatched, done with all the same
                item = remove(predicate)
                if item is not None and not getattr(pairing, "on", False):
                    on_count(0, _counted_read(read_ids, item))
                return item
            # Events the watch took between its start and this line go uncounted: microseconds, before any take.
            grouper.put_event = counted  # type: ignore[union-attr]
            queue.remove = removed  # type: ignore[union-attr]
            self._counted = True
            on_count(0, 0)

        def build_and_queue_event(self, event: GroupedInotifyEvent, *, full_events: bool = True) -> None:
            super().build_and_queue_event(event, full_events=full_events)
            if not self._counted:  # uncounted: a marker dispatched would start the count, reads never counted
                return
            # Named apart: the observer's queue drops an event equal to the one put before it, and markers of events
            # that make none (a listing's IN_OPEN of the folder) were dropped, so that fewer were counted dispatched
            # than read for good, and every move out held the files without a close HOLD_LIMIT (30 s).
            read = _counted_read(self._read_ids, event)
            if not read:
                return
            mark = _Dispatched(str(next(self._marks)))
            mark.read = read
            self.queue_event(mark)

    def _read_in(event: GroupedInotifyEvent) -> int:
        """How many events read ``event`` is: a paired move is its two halves. An open, a read or a close after
        reading tells of no write: not counted (the scan's own listing and reads make them, and counted, each scan
        found its own events not dispatched yet, and held back the files without a close)."""
        if not isinstance(event, PathedInotifyEvent):
            return 2
        ev = event.ev
        return 0 if ev.is_open or ev.is_access or ev.is_close_nowrite else 1

    def _counted_read(read_ids: set[int], event: GroupedInotifyEvent) -> int:
        """:func:`_read_in` of the halves of ``event`` counted read (``read_ids``, taken out of it): one read before
        the counting began, counted dispatched, put the count of those dispatched ahead of the reads."""
        read = 0
        for half in (event,) if isinstance(event, PathedInotifyEvent) else event:
            if id(half) in read_ids:
                read_ids.discard(id(half))
                read += _read_in(half)
        return read

    class _OverflowTellingObserver(BaseObserver):
        """:class:`InotifyObserver` with ``generate_full_events``, reading through :class:`_OverflowTellingFD`."""

        def __init__(self, on_overflow: Callable[[], None], on_move: Callable[[int, bool, str], None],
                     on_count: Callable[[int, int], None], on_raw: Callable[[int], None]) -> None:
            self._reader = _OverflowTellingFD(on_overflow, on_move, on_raw)
            self._reader.start()
            super().__init__(_CountingEmitter, inotify_fd=self._reader, on_count=on_count)

        def on_thread_stop(self) -> None:
            super().on_thread_stop()
            self._reader.stop()
            self._reader.join()


def _undispatched(observer: BaseObserver) -> int:
    """How many events ``observer`` queued and has not dispatched yet (its queue counts them until dispatched)."""
    return int(getattr(observer.event_queue, "unfinished_tasks", 0))


def _observer(on_overflow: Callable[[], None], on_move: Callable[[int, bool, str], None],
              on_count: Callable[[int, int], None], on_raw: Callable[[int], None]) -> BaseObserver:
    """watchdog's inotify observer; full events: a file moved in from an unwatched folder comes as a move (a rename
    in), not a creation. Where watchdog reads overflows (7.1 on), ``on_overflow`` is told of each, and ``on_move`` of
    each move as read, ``on_count`` of the events read and dispatched, and ``on_raw`` of those in its raw queue."""
    if InotifyFD is None:
        return InotifyObserver(generate_full_events=True)
    return _OverflowTellingObserver(on_overflow, on_move, on_count, on_raw)
