"""The badge's error count of a node id where an old node of it failed late: a rebuilt x's old handler, hung, let go
and raising. Its error stands on no node (the console tells it as the old node's) but counts for x, and an editor
that watched the show counts it as one that attaches after it does."""

from __future__ import annotations

from typing import Any

from exsampling_patch import Param
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.test_roll_back_plain import Notes, patch_of
from tests.core.test_same_id_errors import FailsLate
from tests.core.test_watchdog_same_id import let_go, worker_of
from tests.waiting import wait_for


class FailsLateRebuilt(FailsLate):
    """As :class:`FailsLate`, with a parameter to rebuild it by."""

    type_name = "t_observer_fails_late"
    level = Param(float, 1.0, "any other value rebuilds it")


def test_an_old_nodes_late_error_counts_alike_for_an_editor_watching_and_one_attaching_after() -> None:
    # x's handler A hangs; a parameter change rebuilds x as B beside it; A is let go and raises. The engine counts it
    # for x (a3146898) with no NodeError: the editor watching kept the count it had, one attaching later read one
    # more from error_state.
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, FailsLateRebuilt):
        registry.register(node_type, "test")
    engine = Engine(registry, workers=2, pin_workers=False)
    with_x = patch_of({"notes": "t_plain_notes", "x": "t_observer_fails_late"}, ["notes.out -> x.inlet"])
    engine.start(with_x)
    watching = RuntimeObserver()
    watching.attach(engine)
    a: Any = engine.node("x")
    b: Any = None
    try:
        engine.node("notes").push(1)
        assert wait_for(lambda: "x" in engine.hung)
        a_worker = worker_of(engine, a)
        with_x.nodes["x"].params["level"] = 2.0
        engine.update(with_x)
        b = engine.node("x")
        assert b is not a
        counted = engine.error_counts["x"]
        a.release.set()
        a_worker.join(10)  # A back, its worker retired: all of its return is done
        assert not a_worker.is_alive()
        assert engine.error_counts["x"] == counted + 1 and "x" not in engine.errors
        attaching = RuntimeObserver()
        attaching.attach(engine)
        watching.apply()
        attaching.apply()
        assert watching.nodes["x"].error_count == attaching.nodes["x"].error_count == counted + 1
        assert watching.nodes["x"].error is None and attaching.nodes["x"].error is None  # standing on no node
        watching.detach()
        attaching.detach()
    finally:
        let_go(engine, a, b)
