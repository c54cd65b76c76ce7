"""The watchdog's hung mark of a node id, and its "recovered", where two hung handlers ran nodes of that id: a removed
x's and a re-added x's. The first one back ends neither while the other hangs."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeHung
from tests.core.test_roll_back_plain import Notes, patch_of
from tests.waiting import wait_for


class Hangs(Node):
    """Holds each message in its handler until its own ``release`` is set; counted as hung soon."""

    type_name = "t_same_id_hangs"
    hang_after = 0.2
    inlet = Input(ANY)

    def start(self) -> None:
        self.release = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.release.wait(30)


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, Hangs):
        registry.register(node_type, "test")
    return registry


def started(registry: Registry) -> tuple[Engine, list[NodeHung], Patch]:
    """An engine of two workers running notes -> x (hangs), the NodeHung events it tells, and that patch."""
    engine = Engine(registry, workers=2, pin_workers=False)
    events: list[NodeHung] = []
    engine.events.subscribe(events.append, NodeHung)
    with_x = patch_of({"notes": "t_plain_notes", "x": "t_same_id_hangs"}, ["notes.out -> x.inlet"])
    engine.start(with_x)
    return engine, events, with_x


def let_go(engine: Engine, *nodes: Any) -> None:
    """Lets each of ``nodes``' handlers come back (None: not built yet), then stops the engine."""
    for node in nodes:
        if node is not None:
            node.release.set()
    engine.stop()


def worker_of(engine: Engine, node: Node) -> threading.Thread:
    """The worker thread whose handler runs ``node`` now."""
    ident = next(state.thread_id for state in engine._states if state.busy is not None and state.busy[0] is node)
    return next(thread for thread in engine._workers if thread.ident == ident)


def hang_then_remove(engine: Engine, a: Any) -> tuple[Any, threading.Thread]:
    """notes' first take hangs x's handler A (``a``), then an edit removes x, A hung (not waited for): (notes, A's
    worker thread)."""
    notes: Any = engine.node("notes")
    notes.push(1)
    assert wait_for(lambda: "x" in engine.hung)
    a_worker = worker_of(engine, a)
    engine.update(patch_of({"notes": "t_plain_notes"}, []))  # A hung: not waited for
    return notes, a_worker


def test_a_removed_nodes_hung_handler_back_leaves_the_hung_mark_of_a_re_added_one_of_its_id(
        registry: Registry) -> None:
    # x's handler A hangs; an edit removes x; another adds x back, and its handler B hangs too. A back popped the
    # id's mark and told x recovered: the console said "node 'x' is back" while B hung.
    engine, events, with_x = started(registry)
    a: Any = engine.node("x")
    b: Any = None
    try:
        notes, a_worker = hang_then_remove(engine, a)
        engine.update(with_x)
        b = engine.node("x")
        assert b is not a
        notes.push(2)
        assert wait_for(lambda: len([e for e in events if not e.recovered]) == 2)  # B told hung
        a.release.set()
        a_worker.join(10)  # A back, its worker retired (a spare was started in its place): all of its return is done
        assert not a_worker.is_alive()
        assert "x" in engine.hung
        assert [e for e in events if e.recovered] == []
        b.release.set()
        assert wait_for(lambda: [e.node_id for e in events if e.recovered] == ["x"])
        assert "x" not in engine.hung
    finally:
        let_go(engine, a, b)


def _hung_handlers(engine: Engine, with_x: Any, events: list[NodeHung]) -> tuple[Any, Any, Any, Any]:
    """x's handler A hung, x removed and added back, its handler B busy: (a, A's worker, b, B's worker)."""
    notes: Any = engine.node("notes")
    a: Any = engine.node("x")
    notes.push(1)
    assert wait_for(lambda: any(not e.recovered for e in events))  # A's mark told: its act is over
    a_state = next(state for state in engine._states if state.busy is not None and state.busy[0] is a)
    engine.update(patch_of({"notes": "t_plain_notes"}, []))
    engine.update(with_x)
    b: Any = engine.node("x")
    notes.push(2)
    assert wait_for(lambda: any(s.busy is not None and s.busy[0] is b for s in engine._states))
    b_state = next(state for state in engine._states if state.busy is not None and state.busy[0] is b)
    return a, a_state, b, b_state


def test_two_handlers_of_one_id_back_at_once_tell_it_recovered_once(registry: Registry) -> None:
    # A and B both back, each past clearing busy before either looked at the other: each found the other back
    # already, and both told "node 'x' is back". Held here at the watchdog's marking lock, which both returns take.
    engine, events, with_x = started(registry)
    a: Any = engine.node("x")
    b: Any = None
    try:
        a, a_state, b, b_state = _hung_handlers(engine, with_x, events)
        assert wait_for(lambda: b_state.hung)
        threads = [t for t in engine._workers if t.ident in (a_state.thread_id, b_state.thread_id)]
        with engine._marking:
            a.release.set()
            b.release.set()
            assert wait_for(lambda: a_state.busy is None and b_state.busy is None)
        for thread in threads:  # both retire once back (a spare took each one's place)
            thread.join(10)
            assert not thread.is_alive()
        assert [e.recovered for e in events] == [False, False, True]
        assert "x" not in engine.hung
    finally:
        let_go(engine, a, b)


class _Marking:
    """The engine's marking lock, noting its holder; once ``hold`` is set, the watchdog's tries wait until
    ``let_watchdog`` is set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner: int | None = None
        self.watchdog_waits = threading.Event()
        self.let_watchdog = threading.Event()
        self.hold = False

    def __enter__(self) -> None:
        if self.hold and threading.current_thread().name == "exsampling-watchdog":
            self.watchdog_waits.set()
            assert self.let_watchdog.wait(30)
        self._lock.acquire()
        self.owner = threading.get_ident()

    def __exit__(self, *_: object) -> None:
        self.owner = None
        self._lock.release()


def test_a_handler_back_while_another_of_its_id_is_marked_tells_recovered_before_that_hung(
        registry: Registry) -> None:
    # A looked at the others, found B not marked yet and ended x's mark; the watchdog then marked B and told it hung;
    # then A told x recovered: the console ended on "x is back" while B hung. Forced here: A, once past its look,
    # lets the watchdog go on and (where it does not hold the marking lock) waits for B told hung.
    engine, events, with_x = started(registry)
    a: Any = engine.node("x")
    b: Any = None
    marking = _Marking()
    engine._marking = marking  # type: ignore[assignment]
    engine.events.subscribe(lambda _: setattr(marking, "hold", True), NodeHung)  # A's told: B's mark is held
    try:
        a, _, b, _ = _hung_handlers(engine, with_x, events)
        assert marking.watchdog_waits.wait(10)  # B past its limit, not marked

        class AfterTheLook(type(engine._left_plans)):  # type: ignore[misc]
            def pop(self, node: Node) -> None:
                if node is a:
                    marking.let_watchdog.set()
                    if marking.owner != threading.get_ident():
                        assert wait_for(lambda: len(events) == 2)  # B told hung before A's telling
                super().pop(node)

        hook = AfterTheLook()
        hook._items = engine._left_plans._items
        engine._left_plans = hook
        a.release.set()
        assert wait_for(lambda: len(events) == 3)
        assert [e.recovered for e in events] == [False, True, False]
        assert "x" in engine.hung
    finally:
        marking.let_watchdog.set()
        let_go(engine, a, b)
