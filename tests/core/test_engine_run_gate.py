"""A node's context checks that its run is the engine's and then acts; start() beginning the next run between the
two let an ended run's node act on the new one. The engine closes it without a lock (runtime/run_gate.py): each test
holds a real node's thread inside that window with an event, never a sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, MessageHop, run_gate
from exsampling_patch.runtime.context import EngineContext
from tests.core.test_engine_run_again_old_takes import Keeper, a_take, from_its_own_thread, new_engine, source_to_keeper
from tests.waiting import wait_for


@pytest.fixture(autouse=True)
def long_gate_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """start()'s wait for a held act, long past what a loaded 2-core machine needs to let it go: at 5 s, a start that
    gave up (and so started nothing) before start_again_meanwhile let the act go failed the test."""
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 60.0)


def test_a_hops_observer_may_take_a_lock_whose_holder_emits() -> None:
    # Emits were checked and delivered under one engine lock, observers called under it: an observer taking a node's
    # lock (one showing hops) while that lock's holder emitted deadlocked the two threads for good.
    engine = new_engine()
    engine.start(source_to_keeper())
    src, keeper = engine.node("src"), engine.node("keep")
    node_lock, in_observer, took = threading.Lock(), threading.Event(), []

    def observer(hop: MessageHop) -> None:
        if hop.message == "first":
            in_observer.set()
            took.append(node_lock.acquire(timeout=20))
            if took[-1]:
                node_lock.release()

    engine.events.subscribe(observer, MessageHop)
    node_lock.acquire()
    first = threading.Thread(target=lambda: src.emit("out", "first"), name="device-a")
    second = threading.Thread(target=lambda: src.emit("out", "second"), name="device-b")  # holds the lock, as its own
    try:
        first.start()
        assert in_observer.wait(10)
        second.start()
        second.join(5)
        assert not second.is_alive(), "an emit waited on the observer of another, which waited on the emitter's lock"
    finally:
        node_lock.release()
        first.join(25)
        second.join(25)
        engine.stop()
    assert took == [True]
    assert sorted(keeper.received) == ["first", "second"]  # type: ignore[attr-defined]


class Reporter(Node):
    """Tells its status as it starts, as a device node does once its device opens."""

    type_name = "t_gate_reporter"
    inlet = Input(ANY)

    def start(self) -> None:
        self.report_status(told="this run's start")

    def on_inlet(self, message: Any) -> None:
        pass


def one_reporter() -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rep", "t_gate_reporter"))
    return patch


def held_after_check(monkeypatch: pytest.MonkeyPatch, old: Any, what: str) -> tuple[threading.Event, threading.Event]:
    """(checked, go): ``old``'s context, having found its run is still the engine's before telling ``what``, sets
    ``checked`` and waits for ``go``: the window a preempted thread leaves."""
    checked, go = threading.Event(), threading.Event()
    check = EngineContext._of_ended_run

    def held(self: EngineContext, node_id: str, told_what: str, told: object) -> bool:
        ended = check(self, node_id, told_what, told)
        if self is old and told_what == what and not ended:
            checked.set()
            go.wait(10)
        return ended

    monkeypatch.setattr(EngineContext, "_of_ended_run", held)
    return checked, go


def start_again_meanwhile(engine: Engine, patch: Patch, go: threading.Event) -> None:
    """Start ``engine`` again while an old act is held, and let that act go once the new run has begun (or once
    start() waits for it)."""
    starter = threading.Thread(target=engine.start, args=(patch,), name="start-again")
    starter.start()
    assert wait_for(lambda: not starter.is_alive() or engine._gate.waiting, 10)
    go.set()
    starter.join(10)
    assert not starter.is_alive()
    assert engine.running, "start() gave up on the held act: the test showed nothing"


def reporter_engine() -> Engine:
    registry = Registry.default(entry_points=False)
    registry.register(Reporter, "test")
    return Engine(registry, workers=2, pin_workers=False)


@pytest.mark.parametrize("what, tell", [
    ("an error", lambda node: node.report_error("the last run's device failed")),
    ("an error on 'inlet'", lambda node: node.report_message_error("the last run's take failed", "inlet")),
])
def test_an_old_runs_error_told_as_the_engine_starts_again_stays_out(
        monkeypatch: pytest.MonkeyPatch, what: str, tell: Callable[[Node], None]) -> None:
    engine = reporter_engine()
    engine.start(one_reporter())
    old = engine.node("rep")
    engine.stop()
    checked, go = held_after_check(monkeypatch, old.context, what)
    teller = threading.Thread(target=tell, args=(old,), name="old-device")
    teller.start()
    try:
        assert checked.wait(10)
        start_again_meanwhile(engine, one_reporter(), go)
        teller.join(10)
        assert "rep" not in engine.errors, "the last run's error landed on the new run's node"
        assert "rep" not in engine.error_counts
    finally:
        go.set()
        engine.stop()


def test_an_old_runs_status_told_as_the_engine_starts_again_stays_out(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = reporter_engine()
    engine.start(one_reporter())
    old = engine.node("rep")
    engine.stop()
    checked, go = held_after_check(monkeypatch, old.context, "a status")
    teller = threading.Thread(target=lambda: old.report_status(told="the last run's"), name="old-device")
    teller.start()
    try:
        assert checked.wait(10)
        start_again_meanwhile(engine, one_reporter(), go)
        teller.join(10)
        assert engine.status_snapshot()["rep"]["told"] == "this run's start", "the last run's status came over it"
    finally:
        go.set()
        engine.stop()


class TellingSource(Node):
    """Sends from the test's thread; notes each of its takes' ends it is told."""

    type_name = "t_gate_source"
    out = Output(ANY)

    def start(self) -> None:
        self.ended: list[str] = []

    def take_ended(self, ended: Any) -> None:
        self.ended.append(ended.take_id)


def source_to_keeper_telling() -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("src", "t_gate_source"))
    patch.add_node(NodeSpec("keep", "t_old_takes_keeper"))
    patch.connect("src.out", "keep.take")
    return patch


@pytest.mark.parametrize("tell", [
    lambda src, keep: keep.close_take(a_take("t1"), ""),
    lambda src, keep: src.tell_fate_of("never sent", reason="error in src: the last run's device"),
], ids=["close_take", "tell_fate_of"])
def test_an_old_runs_take_end_told_as_the_engine_stops_and_starts_again_is_its_own(
        monkeypatch: pytest.MonkeyPatch, tell: Callable[[Any, Any], None]) -> None:
    # Held after close_take's (or tell_fate_of's) second check, "its run is still the engine's", while the run stops
    # and the engine starts again: its take's end went to the new run's source of its id.
    registry = Registry.default(entry_points=False)
    for node_type in (TellingSource, Keeper):
        registry.register(node_type, "test")
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(source_to_keeper_telling())
    src, keep = engine.node("src"), engine.node("keep")
    from_its_own_thread(lambda: src.emit("out", a_take("t1")))
    assert wait_for(lambda: keep.received, 10)  # type: ignore[attr-defined]
    checked, go = held_after_check(monkeypatch, src.context, "a take's end")
    teller = threading.Thread(target=tell, args=(src, keep), name="old-device")
    teller.start()
    try:
        assert checked.wait(10)
        engine.stop()
        start_again_meanwhile(engine, source_to_keeper_telling(), go)
        teller.join(10)
        new_src: Any = engine.node("src")
        assert new_src.ended == [], "the last run's take's end was told to the new run's source"
    finally:
        go.set()
        engine.stop()


class Failing(Node):
    """Fails on each message: the engine bypasses it, passing the message on its output of the same type."""

    type_name = "t_gate_failing"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def on_inlet(self, message: Any) -> None:
        raise ValueError("the last run's handler failed")


def test_a_bypass_held_as_the_engine_stops_and_starts_again_stays_in_its_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bypass of a failing node emitted with no run check of its own: its worker, held between the flow's check
    # of its run and the delivery while the run stopped and the engine started again, delivered into the new run.
    registry = Registry.default(entry_points=False)
    for node_type in (TellingSource, Failing, Keeper):
        registry.register(node_type, "test")
    engine = Engine(registry, workers=2, pin_workers=False)

    def patch() -> Patch:
        p = Patch()
        p.add_node(NodeSpec("src", "t_gate_source"))
        p.add_node(NodeSpec("fail", "t_gate_failing"))
        p.add_node(NodeSpec("keep", "t_old_takes_keeper"))
        p.connect("src.out", "fail.inlet")
        p.connect("fail.outlet", "keep.take")
        return p

    checked, go = threading.Event(), threading.Event()
    routed, held_thread = Engine._retyped_from, []

    def held(self: Engine, node_id: str, worker: Any, now: Any) -> Any:
        if node_id == "fail" and not checked.is_set():
            held_thread.append(threading.current_thread())
            checked.set()  # the flow has checked the worker's run: the delivery comes next
            go.wait(10)
        return routed(self, node_id, worker, now)

    monkeypatch.setattr(Engine, "_retyped_from", held)
    engine.start(patch())
    src = engine.node("src")
    try:
        from_its_own_thread(lambda: src.emit("out", "boom"))
        assert checked.wait(10)
        engine.stop(timeout=0.3)  # its worker is held: not waited for long
        start_again_meanwhile(engine, patch(), go)
        held_thread[0].join(10)  # the last run's worker leaves once its handler returns
        new_keep: Any = engine.node("keep")
        assert new_keep.received == [] and not engine._cells["keep"].inbox, \
            "the last run's bypass went into the new run's node"
    finally:
        go.set()
        engine.stop()
