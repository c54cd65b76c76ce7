"""Pausing Python's cyclic garbage collector while a patch is loaded, checked or started (:func:`collector_paused`).

Apart from ``patchfile.py``, where it was: the runtime's start and a live edit use it too, and it is no part of
reading patch files.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_PAUSE_LOCK = threading.Lock()
_pauses = 0  # pauses under way, on every thread
_was_collecting = False  # whether the collector ran before the first of them


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that makes many objects and no garbage cycles.

    Loading, checking and starting a big patch make hundreds of thousands of small objects that live on;
    while they are made, the collector's passes go over them again and again (and over everything else the
    process holds: a full pass runs each time they grow by a quarter), for nothing: in a big patch's load,
    more time than the load itself. Reference counting still frees what is dropped.

    Counted across threads: the collector runs again when the last pause ends (and only if it ran before the
    first). Each saving and putting back gc.isenabled() on its own, one thread's block ending turned it on inside
    another's: a hung handler's frame read (runtime/parts.py) during a live edit's build could collect then.
    """
    global _pauses, _was_collecting
    with _PAUSE_LOCK:
        if _pauses == 0:
            _was_collecting = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _PAUSE_LOCK:
            _pauses -= 1
            if _pauses == 0 and _was_collecting:
                gc.enable()
