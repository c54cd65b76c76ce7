"""One engine stopped and started again, while a node of the last run still works from a thread of its own (a device's,
a reader's, a late answer's): what it sends and what it tells of takes is none of the new run's. Its sends went into
the new plan's links; its close_take ended the new run's take of the same id (a take redone keeps its id) before its
end, keep_open held that take open for good, and tell_fate_of told an end in the new run, to the new run's source."""

from __future__ import annotations

from typing import Any

import numpy as np

from exsampling_patch import ANY, Input, Node, Output, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, TakeEnded
from tests.core.run_again import engine_of, from_its_own_thread, last_run_nodes, patch_of
from tests.waiting import wait_for


class Source(Node):
    """Sends from a thread of its own: the test's thread here."""

    type_name = "t_old_takes_source"
    out = Output(ANY)


class Keeper(Node):
    """Keeps each take open until the test closes it, as an output waiting on Live's answer does."""

    type_name = "t_old_takes_keeper"
    take = Input(ANY)

    def start(self) -> None:
        self.received: list[Any] = []
        self.stopped_kept: list[bool] = []

    def on_take(self, message: Any) -> None:
        self.keep_open(message)
        self.received.append(message)

    def stop(self) -> None:
        # What its own stop tells still counts: this run's take of its id is still open in its ledger
        self.stopped_kept = [self.keep_open(take) for take in self.received]
        super().stop()


def new_engine() -> Engine:
    return engine_of(Source, Keeper)


def source_to_keeper(source_type: str = "t_old_takes_source") -> Patch:
    """A source ``src`` of ``source_type`` -> a :class:`Keeper` ``keep``."""
    return patch_of(NodeSpec("src", source_type), NodeSpec("keep", "t_old_takes_keeper"),
                    links=[("src.out", "keep.take")])


def a_take(take_id: str) -> Take:
    return Take(np.zeros((480, 1), np.float32), 48000, take_id=take_id)


def test_the_last_runs_node_sends_and_ends_nothing_in_the_new_run() -> None:
    engine = new_engine()
    old_src, old_keep = last_run_nodes(engine, source_to_keeper(), "src", "keep")
    engine.start(source_to_keeper())
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    try:
        new_src: Source = engine.node("src")  # type: ignore[assignment]
        new_keep: Keeper = engine.node("keep")  # type: ignore[assignment]
        redone = a_take("redone")  # the last run's take, passed on again in this one under its id
        from_its_own_thread(lambda: new_src.emit("out", redone))
        assert wait_for(lambda: new_keep.received, 10)
        from_its_own_thread(lambda: old_src.emit("out", a_take("late")))
        assert from_its_own_thread(lambda: old_keep.keep_open(redone)) == [False]
        from_its_own_thread(lambda: old_keep.close_take(redone, "Live's answer of the last run"))
        from_its_own_thread(lambda: old_src.tell_fate_of("gone", reason="error in src: unreadable"))
        assert engine.wait_idle(5, settle=0.05)
        assert new_keep.received == [redone], "the last run's source sent into the new run's keeper"
        assert ended == [], "the last run's node told a take's end in the new run"
        from_its_own_thread(lambda: new_keep.close_take(redone))  # this run's own end still lands, once
        assert [event.take_id for event in ended] == ["redone"], ended
        assert [event.reason for event in ended] != ["Live's answer of the last run"]
    finally:
        engine.stop()


def test_a_nodes_own_stop_still_tells_on_its_runs_takes() -> None:
    engine = new_engine()
    engine.start(source_to_keeper())
    keep: Keeper = engine.node("keep")  # type: ignore[assignment]
    src = engine.node("src")
    from_its_own_thread(lambda: src.emit("out", a_take("in flight")))
    assert wait_for(lambda: keep.received, 10)
    engine.stop()
    assert keep.stopped_kept == [True]
