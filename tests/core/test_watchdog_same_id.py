"""The watchdog's hung mark of a node id, and its "recovered", where two hung handlers ran nodes of that id: a removed
x's and a re-added x's. The first one back ends neither while the other hangs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeHung
from tests.core.test_roll_back_plain import Notes, patch_of


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


def wait_until(done: Callable[[], bool], seconds: float = 10) -> bool:
    """Whether ``done()`` came true within ``seconds`` (a loaded host's deadline)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def worker_of(engine: Engine, node: Node) -> threading.Thread:
    """The worker thread whose handler runs ``node`` now."""
    ident = next(state.thread_id for state in engine._states if state.busy is not None and state.busy[0] is node)
    return next(thread for thread in engine._workers if thread.ident == ident)


def test_a_removed_nodes_hung_handler_back_leaves_the_hung_mark_of_a_re_added_one_of_its_id(
        registry: Registry) -> None:
    # x's handler A hangs; an edit removes x; another adds x back, and its handler B hangs too. A back popped the
    # id's mark and told x recovered: the console said "node 'x' is back" while B hung.
    engine = Engine(registry, workers=2, pin_workers=False)
    events: list[NodeHung] = []
    engine.events.subscribe(events.append, NodeHung)
    with_x = patch_of({"notes": "t_plain_notes", "x": "t_same_id_hangs"}, ["notes.out -> x.inlet"])
    engine.start(with_x)
    a: Any = engine.node("x")
    b: Any = None
    try:
        notes: Any = engine.node("notes")
        notes.push(1)
        assert wait_until(lambda: "x" in engine.hung)
        a_worker = worker_of(engine, a)
        engine.update(patch_of({"notes": "t_plain_notes"}, []))  # A hung: not waited for
        engine.update(with_x)
        b = engine.node("x")
        assert b is not a
        notes.push(2)
        assert wait_until(lambda: len([e for e in events if not e.recovered]) == 2)  # B told hung
        a.release.set()
        a_worker.join(10)  # A back, its worker retired (a spare was started in its place): all of its return is done
        assert not a_worker.is_alive()
        assert "x" in engine.hung
        assert [e for e in events if e.recovered] == []
        b.release.set()
        assert wait_until(lambda: [e.node_id for e in events if e.recovered] == ["x"])
        assert "x" not in engine.hung
    finally:
        a.release.set()
        if b is not None:
            b.release.set()
        engine.stop()
