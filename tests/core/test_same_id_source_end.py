"""A source's code that runs on another node's worker: a take's end, told to the source that emitted the take, runs
on the worker of the node where the take ended, busy with none of the source's handlers. An old source x, rebuilt
by an edit while its take_ended held, failing there, is the old x's error, not the new x's."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from exsampling_patch import TAKE, Input, Node, Output, Param, Take
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.test_roll_back_plain import patch_of
from tests.waiting import wait_for


class HeldSource(Node):
    """Emits a take on :meth:`push`; with ``level`` 1 its take_ended holds until ``release``, then raises."""

    type_name = "t_same_id_held_source"
    out = Output(TAKE, "takes")
    level = Param(float, 1.0, "1: take_ended holds, then raises")

    def start(self) -> None:
        self.in_end = threading.Event()
        self.release = threading.Event()

    def push(self, take_id: str) -> None:
        self.emit("out", Take(np.full(480, 0.1, np.float32), 48000, take_id=take_id, source="Ana"))

    def take_ended(self, ended: Any) -> None:
        if self.level == 1.0:
            self.in_end.set()
            self.release.wait(30)
            raise ValueError("old x failed at its take's end")


class Sink(Node):
    type_name = "t_same_id_sink"
    inlet = Input(TAKE, "takes")

    def on_inlet(self, message: Any) -> None:
        pass


class BuildsSlowly(Node):
    """A source whose constructor waits (as one loading a model does) until the test lets it go."""

    type_name = "t_same_id_builds_slowly"
    out = Output(TAKE, "takes")
    building = threading.Event()
    go_on = threading.Event()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        BuildsSlowly.building.set()
        BuildsSlowly.go_on.wait(20)


class AnswersLater(Node):
    """An output whose word on a take comes on a thread of its own (as Live's answers do): it keeps each take open
    and closes it from that thread once the test says so."""

    type_name = "t_same_id_answers_later"
    inlet = Input(TAKE, "takes")

    def start(self) -> None:
        self.kept: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        if self.keep_open(message):
            self.kept.append(message)

    def answer(self) -> threading.Thread:
        take = self.kept.pop()
        thread = threading.Thread(target=self.close_take, args=(take,), name="answers")
        thread.start()
        return thread


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (HeldSource, Sink, AnswersLater, BuildsSlowly):
        registry.register(node_type, "test")
    return registry


def test_an_old_sources_take_ended_failing_on_the_sinks_worker_is_not_its_rebuilt_ids_error(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine(registry, workers=2, pin_workers=False)
    patch = patch_of({"x": "t_same_id_held_source", "y": "t_same_id_sink"}, ["x.out -> y.inlet"])
    engine.start(patch)
    a: Any = engine.node("x")
    try:
        a.push("t1")
        assert a.in_end.wait(10), "the take ended at y, and x was told on y's worker"
        patch.nodes["x"].params["level"] = 2.0
        engine.update(patch)
        assert engine.node("x") is not a
        a.release.set()
        assert wait_for(lambda: engine.error_counts.get("x", 0) >= 1), "counted for x: x failed, whichever x"
        assert "x" not in engine.errors, f"the old x's error stands on the rebuilt x: {engine.errors}"
        assert "removed or rebuilt by an edit" in caplog.text
    finally:
        a.release.set()
        engine.stop()


def test_an_old_sources_take_ended_failing_on_an_outputs_own_thread_is_not_its_rebuilt_ids_error(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # The output kept the take open and closed it from a thread of its own: x's take_ended ran there, on no worker.
    # Judged by the thread, a failure there was taken for the edit's own call of the node: A's error stood on B.
    engine = Engine(registry, workers=2, pin_workers=False)
    patch = patch_of({"x": "t_same_id_held_source", "y": "t_same_id_answers_later"}, ["x.out -> y.inlet"])
    engine.start(patch)
    a: Any = engine.node("x")
    y: Any = engine.node("y")
    try:
        a.push("t1")
        assert wait_for(lambda: len(y.kept) == 1)
        answering = y.answer()
        assert a.in_end.wait(10), "the take ended on the output's thread, and x was told there"
        patch.nodes["x"].params["level"] = 2.0
        engine.update(patch)
        assert engine.node("x") is not a
        a.release.set()
        answering.join(10)
        assert not answering.is_alive()
        assert engine.error_counts.get("x", 0) == 1, "counted for x: x failed, whichever x"
        assert "x" not in engine.errors, f"the old x's error stands on the rebuilt x: {engine.errors}"
        assert "removed or rebuilt by an edit" in caplog.text
    finally:
        a.release.set()
        engine.stop()


def test_a_removed_sources_take_ended_failing_while_x_is_added_back_is_not_the_new_xs_error(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # x is removed while its take is kept open at y; an edit adds x back, and while the new x is being built (its
    # errors cleared already), y closes the take on its own thread and the removed x's take_ended raises. With no cell
    # of x to compare with, it was taken for x's own: the error stood on the new x, added back.
    BuildsSlowly.building.clear()
    BuildsSlowly.go_on.clear()
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({"x": "t_same_id_held_source", "y": "t_same_id_answers_later"}, ["x.out -> y.inlet"]))
    a: Any = engine.node("x")
    y: Any = engine.node("y")
    a.release.set()  # its take_ended raises at once
    adding_back = threading.Thread(target=engine.update, name="edit", args=(
        patch_of({"x": "t_same_id_builds_slowly", "y": "t_same_id_answers_later"}, []),))
    try:
        a.push("t1")
        assert wait_for(lambda: len(y.kept) == 1)
        engine.update(patch_of({"y": "t_same_id_answers_later"}, []))
        adding_back.start()
        assert BuildsSlowly.building.wait(10)
        answering = y.answer()
        answering.join(10)
        assert a.in_end.is_set() and not answering.is_alive()
        BuildsSlowly.go_on.set()
        adding_back.join(20)
        assert engine.error_counts.get("x", 0) == 1, "counted for x: x failed, whichever x"
        assert "x" not in engine.errors, f"the removed x's error stands on the x added back: {engine.errors}"
        assert "removed or rebuilt by an edit" in caplog.text
    finally:
        BuildsSlowly.go_on.set()
        if adding_back.is_alive():
            adding_back.join(20)
        engine.stop()
