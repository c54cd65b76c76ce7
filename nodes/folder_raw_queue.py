"""watchdog's queue of raw inotify buffers, counted for the folder source's close watch (:mod:`.folder_closes`).

watchdog (7.1.1) reads inotify's events on one thread into a queue of raw buffers, which another thread parses and
hands to the watch group, where :class:`~.folder_closes.CloseWatch` counted them as read. Events waiting in that queue
(its parsing thread lagging: a loaded machine) were counted nowhere: a write's event among them held nothing, and a
file still open for writing looked quiet and unclosed, read half-written. :class:`CountedRawQueue` counts them in as
they are queued and out once handed on.

That queue is watchdog's private ``_raw_queue`` (and its buffers are parsed with its private ``_parse_event_buffer``):
no public API tells of events read and not handed on, nor of those still in the kernel's queue. A patch release added
it (7.1.0 read and parsed on one thread), so pyproject.toml holds watchdog to the version tested, and
tests/intake/test_folder_raw_queue_counted.py fails at once, naming the version, where it is not counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

try:
    from watchdog.observers.inotify_c import InotifyConstants, InotifyFD
    _NO_WRITE: int = (InotifyConstants.IN_OPEN | InotifyConstants.IN_ACCESS | InotifyConstants.IN_CLOSE_NOWRITE
                      | InotifyConstants.IN_ISDIR)
    """Events that tell of no write (the scan's own listing and reads make them): not counted, as in
    :func:`~.folder_closes._read_in`; a folder's own (IN_ISDIR) by what else it says."""
except Exception:  # no watchdog, or not Linux: nothing to count (folder_closes uses none of this then)
    InotifyFD = None  # type: ignore[assignment,misc]
    _NO_WRITE = 0


class CountedRawQueue:
    """watchdog's queue of raw buffers, from its reader thread (``put``) to its parsing thread (``get``,
    ``get_nowait``), telling ``on_raw`` of the events each buffer holds as it is queued, and again (negated) once
    the parsing thread asks for the next: it handed them all on by then (to the watch group, which counts them)."""

    def __init__(self, queue: Any, on_raw: Callable[[int], None]) -> None:
        self._queue, self._on_raw = queue, on_raw
        self._counts: deque[int] = deque()  # each buffer's events, in the queue's order (one reader, one parser)
        self._parsing = 0  # the events of the buffer the parsing thread took last

    def put(self, buffer: bytes) -> None:
        events = _written_in(buffer)
        self._counts.append(events)
        if events:
            self._on_raw(events)  # before it can be taken: never handed on before it is counted
        self._queue.put(buffer)

    def get(self) -> bytes:
        self._handed_on()
        return self._took(self._queue.get())

    def get_nowait(self) -> bytes:
        self._handed_on()
        return self._took(self._queue.get_nowait())

    def _took(self, buffer: bytes) -> bytes:
        self._parsing = self._counts.popleft()
        return buffer

    def _handed_on(self) -> None:
        if self._parsing:
            self._on_raw(-self._parsing)
            self._parsing = 0

    def __getattr__(self, name: str) -> Any:  # anything else watchdog asks of its queue
        return getattr(self._queue, name)


def _written_in(buffer: bytes) -> int:
    """How many of the events in ``buffer`` (read from inotify) may tell of a write: not an open, a read or a close
    after reading, nor a dropped queue's (the overflow, told on its own)."""
    return sum(1 for wd, mask, _, _ in InotifyFD._parse_event_buffer(buffer)
               if wd != -1 and mask & ~_NO_WRITE)
