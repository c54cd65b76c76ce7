"""The take folder each take a storing source (``microphone``, ``web_recorder``) passed on in this run came from, kept
until its end is written down as done there.

A live edit rebuilds such a source while takes the node it replaces passed on are still in flight; their ends are told
to the new node. Written down as done in the new node's folder (the edit may have changed it), a take stayed not done
in its own, and went through the patch again when that folder was next used; told before the new node's start made
its take store, the end was not written down at all. And the new node's start, listing its folder's takes not done as
the last run's, passed on again one still in flight, or one whose end was on its way to being written: through the
patch twice. Kept per run, in this process, as the folder source's journal keeps its takes in flight
(:mod:`.folder_journal`): a run is the nodes' context and its ``run_id``, which a rebuilt node shares. Not the context
alone: one engine keeps it from one run to the next (a patch stopped and started again), and the takes still open at
that stop, counted as passed on in the next run, were not passed on again there (their takes never ended).

Kept per run too: the takes such a source stored in this run. A take its start finds not done in its folder is the
last run's ("recovered", docs/replay.md) unless stored in this run: one the replaced node stored after its stop's join,
before the new node listed the folder, was found there and passed on as the last run's, though recorded seconds before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from exsampling_patch.node import NodeContext
from exsampling_patch.takes import TakeStore

__all__ = ["ending", "passed_from", "passed_in_run", "passed_now", "passing_on", "stored_in_run", "storing"]


@dataclass
class _Run:
    """What one run of a context (:attr:`~exsampling_patch.node.NodeContext.run_id`) keeps."""

    run_id: int
    #: The takes passed on and not yet written down as done: take id -> the store it was passed on from.
    passed: dict[str, TakeStore] = field(default_factory=dict)
    #: The takes its storing sources stored, or began to store (ids only: a few bytes a take, for the run's length).
    stored: set[str] = field(default_factory=set)


#: Each context's run now: one of a run before it is dropped, its takes in flight never end.
_RUNS: weakref.WeakKeyDictionary[NodeContext, _Run] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _run(run: NodeContext) -> _Run:
    """What ``run`` keeps in its run now (under ``_LOCK``)."""
    run_id = run.run_id
    kept = _RUNS.get(run)
    if kept is None or kept.run_id != run_id:
        kept = _RUNS[run] = _Run(run_id)
    return kept


def storing(run: NodeContext, take_id: str) -> None:
    """``take_id`` is about to be stored in this run. Before its files are written: a start that lists the folder
    finds it there only once it is known as this run's (:func:`stored_in_run`); a store that fails leaves no take."""
    with _LOCK:
        _run(run).stored.add(take_id)


def stored_in_run(run: NodeContext, take_id: str) -> bool:
    """Whether ``take_id`` was stored in this run (:func:`storing`), by whichever node: a take found not done in a take
    folder that was not is the last run's, told "recovered" as it is passed on."""
    with _LOCK:
        return take_id in _run(run).stored


@contextmanager
def passing_on(run: NodeContext, take_id: str, store: TakeStore) -> Iterator[None]:
    """Around the emit of a take stored in ``store``: known as passed on from it before the emit (its end may be told
    before the emit returns), forgotten if the emit raises (not passed on: the node passes it on again). Nothing is
    kept without a runtime (``run.tracks_takes`` false): no end is told, the node writes the take down itself."""
    if not run.tracks_takes:
        yield
        return
    with _LOCK:
        _run(run).passed[take_id] = store
    try:
        yield
    except BaseException:
        with _LOCK:
            _run(run).passed.pop(take_id, None)
        raise


def passed_in_run(run: NodeContext, take_id: str) -> bool:
    """Whether ``take_id`` was passed on in this run and is not written down as done yet (in flight, or its end on
    its way to being written): a start that lists its folder's takes not done does not pass it on again."""
    with _LOCK:
        return take_id in _run(run).passed


def passed_now(run: NodeContext) -> frozenset[str]:
    """The takes passed on in this run and not yet written down as done, as they are now. A start takes it before it
    reads its folder's journal and does not pass these on again: asked only after the listing (:func:`passed_in_run`),
    a take whose end the node it replaces was writing down meanwhile was in neither (done on disk after the journal was
    read, forgotten here before it was asked), and went through the patch twice. One forgotten before this look was
    written down first (:func:`ending`), so the journal read after it has it."""
    with _LOCK:
        return frozenset(_run(run).passed)


def passed_from(run: NodeContext, take_id: str) -> TakeStore | None:
    """The store ``take_id`` was passed on from in this run, while it is not written down as done; else None."""
    with _LOCK:
        return _run(run).passed.get(take_id)


@contextmanager
def ending(run: NodeContext, take_id: str, own: TakeStore | None) -> Iterator[TakeStore | None]:
    """The store to write the ended take ``take_id`` down as done in: the one it was passed on from in this run, else
    ``own`` (None: none yet, before the node's start). Forgotten once the block is over, written or not: until then a
    start listing that folder does not pass it on again."""
    with _LOCK:
        store = _run(run).passed.get(take_id, own)
    try:
        yield store
    finally:
        with _LOCK:
            _run(run).passed.pop(take_id, None)
