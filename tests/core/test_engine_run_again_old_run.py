"""One engine started again (stop(), then start() of another patch on the same Engine) while a handler of the last
run is still in hand: what that handler and the last run's watchdog do is none of the new run's. Before, the held
handler's error, as it returned, landed on the new run's node of the same id; what it emitted went into the new run's
nodes by the new plan's links; the last run's watchdog, waking after start() had set the engine running again, went
on beside the new run's, looking at its workers; and the last run's "hung" marks stood in the new run."""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch import ANY, Input, Node, Output, Param
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeHung
from tests.waiting import wait_for


class HeldRelay(Node):
    """Keeps each message in hand until :attr:`opened` is set, then raises on "raise" and passes anything else on."""

    type_name = "t_held_relay"
    inlet = Input(ANY)
    outlet = Output(ANY)
    hang_after = Param(float, 30.0, "seconds before its handler counts as hung")

    def start(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()
        self.thread: threading.Thread | None = None

    def on_inlet(self, message: Any) -> None:
        self.thread = threading.current_thread()
        self.entered.set()
        self.opened.wait(30)
        if message == "raise":
            raise ValueError("the last run's handler failed")
        self.emit("outlet", message)


class Collect(Node):
    type_name = "t_collect_again"
    inlet = Input(ANY)

    def start(self) -> None:
        self.received: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.received.append(message)


def relay_to_sink(hang_after: float = 30.0) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("relay", "t_held_relay", {"hang_after": hang_after}))
    patch.add_node(NodeSpec("sink", "t_collect_again"))
    patch.connect("relay.outlet", "sink.inlet")
    return patch


def new_engine() -> Engine:
    registry = Registry.default(entry_points=False)
    for node_type in (HeldRelay, Collect):
        registry.register(node_type, "test")
    return Engine(registry, workers=2, pin_workers=False)


def held_across_a_stop(engine: Engine, message: Any) -> HeldRelay:
    """The last run's relay, its handler on ``message`` in hand, hung, and held past the engine's stop."""
    engine.start(relay_to_sink(hang_after=0.1))
    relay: HeldRelay = engine.node("relay")  # type: ignore[assignment]
    try:
        engine.inject("relay", "inlet", message)
        assert relay.entered.wait(10)
        assert wait_for(lambda: "relay" in engine.hung, 10)
    finally:
        assert not engine.stop(timeout=0.2)  # its handler is still in hand
    return relay


def let_go(relay: HeldRelay) -> None:
    relay.opened.set()
    assert relay.thread is not None
    relay.thread.join(10)
    assert not relay.thread.is_alive()


def test_the_last_runs_handler_failing_is_no_error_of_the_new_run() -> None:
    engine = new_engine()
    old = held_across_a_stop(engine, "raise")
    hung: list[NodeHung] = []
    engine.events.subscribe(hung.append, NodeHung)
    try:
        engine.start(relay_to_sink())
        assert engine.hung == {}, "the last run's hung mark stood in the new run"
        let_go(old)
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {}, engine.errors
        assert hung == [], "the last run's handler was told back from its hang in the new run"
    finally:
        old.opened.set()
        engine.stop()


def test_what_the_last_runs_handler_emits_goes_nowhere_in_the_new_run() -> None:
    engine = new_engine()
    old = held_across_a_stop(engine, "from the last run")
    try:
        engine.start(relay_to_sink())
        sink: Collect = engine.node("sink")  # type: ignore[assignment]
        let_go(old)
        engine.inject("relay", "inlet", "new")
        engine.node("relay").opened.set()  # type: ignore[attr-defined]
        assert wait_for(lambda: sink.received, 5)
        assert engine.wait_idle(5, settle=0.05)
        assert sink.received == ["new"]
    finally:
        old.opened.set()
        engine.stop()


def watchdogs() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "exsampling-watchdog" and thread.is_alive()}


def test_the_last_runs_watchdog_leaves_when_the_engine_is_started_again() -> None:
    engine = new_engine()
    others = watchdogs()  # another test's engine may have left one, leaving now
    for _ in range(4):  # at once each time: the last run's watchdog, asleep, may find the engine running again
        engine.start(relay_to_sink())
        engine.stop()
    engine.start(relay_to_sink())
    try:
        assert wait_for(lambda: len(watchdogs() - others) == 1, 5), "the last runs' watchdogs went on beside it"
    finally:
        engine.stop()
