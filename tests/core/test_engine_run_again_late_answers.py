"""One engine stopped and started again, while a node of the last run still works from a thread of its own: what it
tells and what it asks is of its own run, not the new one's.

A loop of the last run sending a take past its node's stop published a "dropped" end of it among the new run's
events and wrote that take id ended in the new run's ledger (a redone take keeps its id: the new run's then was
taken for ended before). And such a node asking whether a take is in flight, or an input linked, was answered from
the new run's ledger and plan: the classifier's map of the last run went on holding a take the new run has in
flight. Its run is over: nothing of its takes is in flight any more, and none of its inputs is linked.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from exsampling_patch import TAKE, Node, Output, Take
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import TakeEnded
from tests.core.run_again import from_its_own_thread, last_run_nodes
from tests.core.test_engine_run_again_old_takes import Keeper, a_take, new_engine, source_to_keeper
from tests.waiting import wait_for


class LateLoop(Node):
    """A source whose loop is mid-work at its stop (a big file read) until the test lets it go, then sends a take."""

    type_name = "t_late_answers_loop"
    out = Output(TAKE)

    def start(self) -> None:
        self.busy, self.release, self.sent = threading.Event(), threading.Event(), threading.Event()
        self.run_thread(self.loop)

    def loop(self) -> None:
        self.busy.set()
        if self.release.wait(30):
            self.emit("out", Take(np.zeros((480, 1), np.float32), 48000, take_id="late-take", source="src"))
        self.sent.set()


def late_loop_patch() -> Patch:
    return source_to_keeper("t_late_answers_loop")


def test_a_loop_of_the_last_run_ends_no_take_in_the_new_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)  # the stop gives up on the loop soon
    engine = new_engine()
    engine.registry.register(LateLoop, "test")
    engine.start(late_loop_patch())
    old: LateLoop = engine.node("src")  # type: ignore[assignment]
    assert old.busy.wait(10)
    engine.stop()
    engine.start(late_loop_patch())
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    new: LateLoop = engine.node("src")  # type: ignore[assignment]
    try:
        old.release.set()  # the last run's loop sends now, into the new run
        assert old.sent.wait(10)
        assert ended == [], "the last run's loop told a take's end in the new run"
        assert engine.ledger.first_end("late-take"), "the new run's ledger had the take id ended"
    finally:
        new.release.set()
        engine.stop()


def test_the_last_runs_node_is_answered_of_its_own_run() -> None:
    engine = new_engine()
    old_keep, = last_run_nodes(engine, source_to_keeper(), "keep")
    engine.start(source_to_keeper())
    try:
        new_src = engine.node("src")
        new_keep: Keeper = engine.node("keep")  # type: ignore[assignment]
        redone = a_take("redone")  # the new run's take, kept open by its keeper: in flight in the new run
        from_its_own_thread(lambda: new_src.emit("out", redone))
        assert wait_for(lambda: new_keep.received, 10)
        assert new_keep.take_in_flight(redone) and new_keep.is_linked("take")  # the new run's own answers
        assert from_its_own_thread(lambda: old_keep.take_in_flight(redone)) == [False]
        assert from_its_own_thread(lambda: old_keep.is_linked("take")) == [False]
    finally:
        engine.stop()
