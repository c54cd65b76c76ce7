"""The take folder each take a storing source (``microphone``, ``web_recorder``) passed on in this run came from, kept
until its end is written down as done there.

A live edit rebuilds such a source while takes the node it replaces passed on are still in flight; their ends are told
to the new node. Written down as done in the new node's folder (the edit may have changed it), a take stayed not done
in its own, and went through the patch again when that folder was next used; told before the new node's start made
its take store, the end was not written down at all. And the new node's start, listing its folder's takes not done as
the last run's, passed on again one still in flight, or one whose end was on its way to being written: through the
patch twice. Kept per run (the nodes' context, which a rebuilt node shares and the next run, a new engine, does not),
in this process, as the folder source's journal keeps its takes in flight (:mod:`.folder_journal`).

Kept per run too: the takes such a source stored in this run. A take its start finds not done in its folder is the
last run's ("recovered", docs/replay.md) unless stored in this run: one the replaced node stored after its stop's join,
before the new node listed the folder, was found there and passed on as the last run's, though recorded seconds before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from exsampling_patch.node import NodeContext
from exsampling_patch.takes import TakeStore

__all__ = ["ending", "passed_from", "passed_in_run", "passed_now", "passing_on", "stored_in_run", "storing"]

#: Each run's takes passed on and not yet written down as done: take id -> the store it was passed on from.
_PASSED: weakref.WeakKeyDictionary[NodeContext, dict[str, TakeStore]] = weakref.WeakKeyDictionary()
#: Each run's takes its storing sources stored, or began to store (ids only: a few bytes a take, for the run's length).
_STORED: weakref.WeakKeyDictionary[NodeContext, set[str]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def storing(run: NodeContext, take_id: str) -> None:
    """``take_id`` is about to be stored in this run. Before its files are written: a start that lists the folder
    finds it there only once it is known as this run's (:func:`stored_in_run`); a store that fails leaves no take."""
    with _LOCK:
        _STORED.setdefault(run, set()).add(take_id)


def stored_in_run(run: NodeContext, take_id: str) -> bool:
    """Whether ``take_id`` was stored in this run (:func:`storing`), by whichever node: a take found not done in a take
    folder that was not is the last run's, told "recovered" as it is passed on."""
    with _LOCK:
        return take_id in _STORED.get(run, ())


@contextmanager
def passing_on(run: NodeContext, take_id: str, store: TakeStore) -> Iterator[None]:
    """Around the emit of a take stored in ``store``: known as passed on from it before the emit (its end may be told
    before the emit returns), forgotten if the emit raises (not passed on: the node passes it on again). Nothing is
    kept without a runtime (``run.tracks_takes`` false): no end is told, the node writes the take down itself."""
    if not run.tracks_takes:
        yield
        return
    with _LOCK:
        _PASSED.setdefault(run, {})[take_id] = store
    try:
        yield
    except BaseException:
        with _LOCK:
            _PASSED.get(run, {}).pop(take_id, None)
        raise


def passed_in_run(run: NodeContext, take_id: str) -> bool:
    """Whether ``take_id`` was passed on in this run and is not written down as done yet (in flight, or its end on
    its way to being written): a start that lists its folder's takes not done does not pass it on again."""
    with _LOCK:
        return take_id in _PASSED.get(run, {})


def passed_now(run: NodeContext) -> frozenset[str]:
    """The takes passed on in this run and not yet written down as done, as they are now. A start takes it before it
    reads its folder's journal and does not pass these on again: asked only after the listing (:func:`passed_in_run`),
    a take whose end the node it replaces was writing down meanwhile was in neither (done on disk after the journal was
    read, forgotten here before it was asked), and went through the patch twice. One forgotten before this look was
    written down first (:func:`ending`), so the journal read after it has it."""
    with _LOCK:
        return frozenset(_PASSED.get(run, {}))


def passed_from(run: NodeContext, take_id: str) -> TakeStore | None:
    """The store ``take_id`` was passed on from in this run, while it is not written down as done; else None."""
    with _LOCK:
        return _PASSED.get(run, {}).get(take_id)


@contextmanager
def ending(run: NodeContext, take_id: str, own: TakeStore | None) -> Iterator[TakeStore | None]:
    """The store to write the ended take ``take_id`` down as done in: the one it was passed on from in this run, else
    ``own`` (None: none yet, before the node's start). Forgotten once the block is over, written or not: until then a
    start listing that folder does not pass it on again."""
    with _LOCK:
        store = _PASSED.get(run, {}).get(take_id, own)
    try:
        yield store
    finally:
        with _LOCK:
            _PASSED.get(run, {}).pop(take_id, None)
