"""watchdog's reader queue of raw inotify buffers is the one the folder source counts (:mod:`~exsampling_patch.nodes.
folder_raw_queue`).

It is watchdog's private ``_raw_queue`` (7.1.1), reached by name with a fallback: renamed or gone in another version,
the fallback counted nothing, silently, and a write's event waiting there held no file (read half-written on a loaded
machine; test_folder_raw_events shows it, slowly). pyproject.toml holds watchdog to the version tested; this says at
once, naming the version, when an installed one is not counted. A real observer on a real inotify instance.
"""

from __future__ import annotations

import pytest

from exsampling_patch.nodes import folder_closes
from exsampling_patch.nodes.folder_raw_queue import CountedRawQueue
from tests.core.journal_holder import DEADLINE


@pytest.mark.skipif(not folder_closes.inotify_available() or folder_closes.InotifyFD is None,
                    reason="counted close events: Linux with watchdog 7.1 on")
def test_watchdogs_raw_queue_is_counted() -> None:
    from watchdog.version import VERSION_STRING

    observer = folder_closes._observer(lambda: None, lambda *_: None, lambda *_: None, lambda _: None)
    observer.start()
    try:
        raw = getattr(observer._reader, "_raw_queue", None)
    finally:
        observer.stop()
        observer.join(DEADLINE)
    assert isinstance(raw, CountedRawQueue), (
        f"watchdog {VERSION_STRING}'s reader queue is not counted (it has {type(raw).__name__}): review "
        "nodes/folder_raw_queue.py against it before raising its cap in pyproject.toml")
