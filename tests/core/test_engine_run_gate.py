"""A node's context checks that its run is the engine's and then acts; start() beginning the next run between the
two let an ended run's node act on the new one. The engine closes it without a lock (runtime/run_gate.py): each test
holds a real node's thread inside that window with an event, never a sleep."""

from __future__ import annotations

import threading

from exsampling_patch.runtime import MessageHop
from tests.core.test_engine_run_again_old_takes import new_engine, source_to_keeper


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
