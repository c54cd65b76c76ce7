"""Pausing Python's cyclic garbage collector while a patch is loaded, checked or started (:func:`collector_paused`).

Apart from ``patchfile.py``, where it was: the runtime's start and a live edit use it too, and it is no part of
reading patch files.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that makes many objects and no garbage cycles.

    Loading, checking and starting a big patch make hundreds of thousands of small objects that live on;
    while they are made, the collector's passes go over them again and again (and over everything else the
    process holds: a full pass runs each time they grow by a quarter), for nothing: in a big patch's load,
    more time than the load itself. Reference counting still frees what is dropped.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
