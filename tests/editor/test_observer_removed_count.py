"""The badge's error count of a node id a live edit removed, and of one added back: the old node's errors are none of
the new one's, for an editor that watched the edits as for one that attaches after them (error_state). The end-of-show
summary (the engine's error_counts) still counts them for the id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.test_removed_errors import LoopsPastStop, NoDeviceStopFails
from tests.core.test_roll_back_plain import Notes, patch_of
from tests.core.test_stopped_loop_errors import XRun, tell_late, x_running


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)  # its loop goes on past the stop anyway
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, NoDeviceStopFails, LoopsPastStop):
        registry.register(node_type, "test")
    return registry


def counts(engine: Engine, watching: RuntimeObserver) -> tuple[int, int]:
    """x's badge count in ``watching`` (attached before the edits) and in an observer attaching now."""
    attaching = RuntimeObserver()
    attaching.attach(engine)
    try:
        watching.apply()
        attaching.apply()
        return tuple(live.error_count if (live := seen.nodes.get("x")) is not None else 0  # type: ignore[return-value]
                     for seen in (watching, attaching))
    finally:
        attaching.detach()


def test_an_id_added_back_shows_none_of_the_removed_nodes_count(registry: Registry) -> None:
    # x (no sound card) is removed, its stop() failing, and added back, no sound card still. The editor watching
    # dropped x's count on the removal and showed 1 (the new x's); one attaching after read 3 from error_state.
    engine = Engine(registry, workers=2, pin_workers=False)
    with_x = patch_of({"notes": "t_plain_notes", "x": "t_removed_no_device"}, ["notes.out -> x.inlet"])
    engine.start(with_x)
    watching = RuntimeObserver()
    watching.attach(engine)
    try:
        engine.update(patch_of({"notes": "t_plain_notes"}, []))
        assert counts(engine, watching) == (0, 0)
        engine.update(with_x)
        assert counts(engine, watching) == (1, 1)
        assert engine.error_counts["x"] == 3  # the end-of-show summary counts every x's
    finally:
        watching.detach()
        engine.stop()


@contextmanager
def watched(run: XRun) -> Iterator[RuntimeObserver]:
    """An editor's observer attached to ``run``'s engine before the edits, detached at the end."""
    watching = RuntimeObserver()
    watching.attach(run.engine)
    try:
        yield watching
    finally:
        watching.detach()


def test_a_removed_nodes_late_error_counts_on_no_badge(registry: Registry) -> None:
    # x's loop ignores its stop; an edit removes x and another adds it back; the old loop then reports an error. Its
    # NodeErrorCounted put it on the new x's badge (1, the new x never failed), as error_state's count did.
    with x_running(registry) as run, watched(run) as watching:
        run.remove()
        run.add_back()
        tell_late(run.a)
        assert counts(run.engine, watching) == (0, 0)
        assert run.engine.error_counts["x"] == 1  # still x's in the end-of-show summary


def test_a_rebuilt_then_removed_nodes_late_error_counts_on_no_badge_of_an_x_added_back(registry: Registry) -> None:
    # x rebuilt (A -> B), removed, A's loop then reports an error, and x is added back (C): only B was marked removed,
    # so A's error stood on the removed id and came back on C's badge (count 1, C never failed).
    with x_running(registry) as run, watched(run) as watching:
        run.rebuild()
        run.remove()
        tell_late(run.a)
        assert counts(run.engine, watching) == (0, 0)
        run.add_back()
        assert counts(run.engine, watching) == (0, 0)
