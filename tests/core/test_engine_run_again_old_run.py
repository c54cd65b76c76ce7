"""One engine started again (stop(), then start() of another patch on the same Engine) while a handler of the last
run is still in hand: what that handler and the last run's watchdog do is none of the new run's. Before, the held
handler's error, as it returned, landed on the new run's node of the same id; what it emitted went into the new run's
nodes by the new plan's links; the last run's watchdog, waking after start() had set the engine running again, went
on beside the new run's, looking at its workers; and the last run's "hung" marks stood in the new run."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from exsampling_patch import ANY, Input, Node, Output, Param
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, NodeHung
from tests.core.run_again import engine_of, held_past_stop, patch_of
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
    return patch_of(NodeSpec("relay", "t_held_relay", {"hang_after": hang_after}), NodeSpec("sink", "t_collect_again"),
                    links=[("relay.outlet", "sink.inlet")])


def new_engine() -> Engine:
    return engine_of(HeldRelay, Collect)


@contextlib.contextmanager
def held_over_a_stop(message: Any) -> Iterator[tuple[Engine, HeldRelay]]:
    """A new engine (stopped) whose last run's relay, its handler on ``message`` in hand, hung, is held past the
    engine's stop: the engine and that relay. After the block the relay lets go and the engine stops."""
    engine = new_engine()
    old: HeldRelay = held_past_stop(engine, relay_to_sink(hang_after=0.1), "relay", message)
    try:
        yield engine, old
    finally:
        old.opened.set()
        engine.stop()


def let_go(relay: HeldRelay) -> None:
    relay.opened.set()
    assert relay.thread is not None
    relay.thread.join(10)
    assert not relay.thread.is_alive()


def test_the_last_runs_handler_failing_is_no_error_of_the_new_run() -> None:
    with held_over_a_stop("raise") as (engine, old):
        hung: list[NodeHung] = []
        engine.events.subscribe(hung.append, NodeHung)
        engine.start(relay_to_sink())
        assert engine.hung == {}, "the last run's hung mark stood in the new run"
        let_go(old)
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {}, engine.errors
        assert hung == [], "the last run's handler was told back from its hang in the new run"


def test_what_the_last_runs_handler_emits_goes_nowhere_in_the_new_run() -> None:
    with held_over_a_stop("from the last run") as (engine, old):
        engine.start(relay_to_sink())
        sink: Collect = engine.node("sink")  # type: ignore[assignment]
        let_go(old)
        engine.inject("relay", "inlet", "new")
        engine.node("relay").opened.set()  # type: ignore[attr-defined]
        assert wait_for(lambda: sink.received, 5)
        assert engine.wait_idle(5, settle=0.05)
        assert sink.received == ["new"]


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
