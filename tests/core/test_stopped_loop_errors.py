"""The errors a node's own loop (:meth:`Node.run_thread`) tells after its stop, going on past it (it does not look at
``stop_event``), where a live edit rebuilt, removed or added back a node of its id: they are that old node's, told on
the console as its own, never the id's node's now."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Param
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeStatus
from exsampling_patch.runtime.context import NoSuchInput
from tests.core.test_roll_back_plain import patch_of


class LoopsPastStop(Node):
    """A node whose loop waits for ``tell`` whatever its stop, then reports an error and ends."""

    type_name = "t_loop_past_stop"
    inlet = Input(ANY)
    level = Param(float, 1.0, "any other value rebuilds it")

    def start(self) -> None:
        self.tell = threading.Event()
        self.told = threading.Event()
        self.run_thread(self._loop)

    def _loop(self) -> None:
        self.tell.wait(30)
        try:
            self.report_error("the old loop failed after its stop")
        finally:
            self.told.set()

    def on_inlet(self, message: Any) -> None:
        pass


class MessageLoopPastStop(LoopsPastStop):
    """As :class:`LoopsPastStop`, its loop telling the error of a message it took in (report_message_error)."""

    type_name = "t_message_loop_past_stop"

    def _loop(self) -> None:
        self.tell.wait(30)
        try:
            self.report_message_error("the old loop's take failed after its stop", "inlet")
        finally:
            self.told.set()


class NoInputLoopPastStop(LoopsPastStop):
    """As :class:`MessageLoopPastStop`, telling the message's error on input "" (no input), keeping what it raised."""

    type_name = "t_no_input_loop_past_stop"
    raised: Exception | None = None

    def _loop(self) -> None:
        self.tell.wait(30)
        try:
            self.report_message_error("the old loop's take failed after its stop", "")
        except Exception as error:
            self.raised = error
        finally:
            self.told.set()


class OpensLate(LoopsPastStop):
    """As :class:`LoopsPastStop`, its loop telling its device open; one of another ``level`` has no sound card."""

    type_name = "t_opens_late"

    def start(self) -> None:
        super().start()
        if self.level != 1.0:
            self.report_error("no sound card", about="device")

    def _loop(self) -> None:
        self.tell.wait(30)
        try:
            self.report_status(device="open", label="the old loop's")
        finally:
            self.told.set()


class TellsAllLate(LoopsPastStop):
    """As :class:`LoopsPastStop`, its loop telling a status first, then its error."""

    type_name = "t_tells_all_late"

    def _loop(self) -> None:
        self.tell.wait(30)
        try:
            self.report_status(label=f"the loop of level {self.level}")
            self.report_error(f"the loop of level {self.level} failed after its stop")
        finally:
            self.told.set()


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)  # its loop goes on past the stop anyway
    registry = Registry.default(entry_points=False)
    registry.register(LoopsPastStop, "test")
    registry.register(MessageLoopPastStop, "test")
    registry.register(OpensLate, "test")
    registry.register(TellsAllLate, "test")
    registry.register(NoInputLoopPastStop, "test")
    return registry


def tell_late(node: Any) -> None:
    """Lets ``node``'s loop report its error, and waits until it has."""
    node.tell.set()
    assert node.told.wait(10)


@dataclass
class XRun:
    """An engine running ``with_x``, whose x's loop goes on past its stop, and every x it built (A first)."""

    engine: Engine
    with_x: Patch
    made: list[Any]

    @property
    def a(self) -> Any:
        return self.made[0]

    def rebuild(self) -> Any:
        """x rebuilt by a parameter change (``level`` 2): the new x."""
        self.with_x.nodes["x"].params["level"] = 2.0
        self.engine.update(self.with_x)
        return self._built()

    def remove(self) -> None:
        self.engine.update(patch_of({}, []))

    def add_back(self) -> Any:
        """x added back by an edit: the new x."""
        self.engine.update(self.with_x)
        return self._built()

    def _built(self) -> Any:
        node = self.engine.node("x")
        self.made.append(node)
        return node


@contextmanager
def x_running(registry: Registry, x_type: str = "t_loop_past_stop") -> Iterator[XRun]:
    """An engine running x (of ``x_type``) alone; at the end every x's loop is let go and the engine stopped."""
    engine = Engine(registry, workers=2, pin_workers=False)
    with_x = patch_of({"x": x_type}, [])
    engine.start(with_x)
    run = XRun(engine, with_x, [engine.node("x")])
    try:
        yield run
    finally:
        for node in run.made:
            node.tell.set()
        engine.stop()


def test_a_rebuilt_nodes_loop_going_on_past_its_stop_tells_no_error_on_the_new_node(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # x's loop ignores its stop; a parameter change rebuilds x as B; the old loop reports an error. Told by the id
    # from a thread of no worker, it stood on B: engine.errors, a NodeError for x (the editor's badge, the console's
    # error line), and B's device opening ended it as B's.
    with x_running(registry) as run:
        engine, a = run.engine, run.a
        told: list[NodeError] = []
        b = run.rebuild()
        assert b is not a
        engine.events.subscribe(told.append, NodeError)
        counted = engine.error_counts.get("x", 0)
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime"):
            tell_late(a)
        assert "x" not in engine.errors, f"the old loop's error stands on the rebuilt x: {engine.errors}"
        assert told == []
        assert engine.error_state()["x"].error is None
        assert "the old loop failed after its stop" in caplog.text  # told on the console as the old node's
        assert engine.error_counts["x"] == counted + 1  # x failed, whichever x: the end-of-show summary names it


def test_a_nodes_loop_telling_an_error_before_its_stop_still_stands_on_it(registry: Registry) -> None:
    # The node is its id's: its loop's error is its own, as ever.
    with x_running(registry) as run:
        tell_late(run.a)
        assert run.engine.errors["x"] == "the old loop failed after its stop"


def test_a_rebuilt_nodes_loop_telling_a_messages_error_past_its_stop_tells_none_on_the_new_node(
        registry: Registry) -> None:
    # As the first test, the old loop telling the error of a message it took in: told by the id, it stood on B as a
    # message's error, ended only at B's next message handled.
    with x_running(registry, "t_message_loop_past_stop") as run:
        engine = run.engine
        run.rebuild()
        counted = engine.error_counts.get("x", 0)
        tell_late(run.a)
        assert "x" not in engine.errors, f"the old loop's error stands on the rebuilt x: {engine.errors}"
        assert engine.error_counts["x"] == counted + 1


def test_a_rebuilt_nodes_loop_telling_its_device_open_past_its_stop_ends_no_error_of_the_new_node(
        registry: Registry) -> None:
    # x's loop ignores its stop; a parameter change rebuilds x as B, which has no sound card; the old loop then tells
    # its device open. Told by the id, it ended B's "no sound card" and put the old loop's fields on B's status. The
    # runtime's own word on the old loop, told under x as it stopped it, stays.
    with x_running(registry, "t_opens_late") as run:
        engine = run.engine
        run.rebuild()
        assert engine.errors.get("x") == "no sound card"
        tell_late(run.a)
        assert engine.errors.get("x") == "no sound card", f"the old loop's status ended B's error: {engine.errors}"
        status = engine.status_snapshot()["x"]
        assert "label" not in status and "device" not in status, f"the old loop's status is B's: {status}"
        assert "was still running when the node stopped" in status["warning"]


def test_a_rebuilt_nodes_loop_telling_a_messages_error_on_no_input_past_its_stop_is_refused(registry: Registry) -> None:
    # As on a running node, a message's error told on input "" raises NoSuchInput. Past its stop it was taken for an
    # error of no message (report_error's), without a word to the developer.
    with x_running(registry, "t_no_input_loop_past_stop") as run:
        run.rebuild()
        tell_late(run.a)
        assert isinstance(run.a.raised, NoSuchInput), run.a.raised


def test_a_rebuilt_nodes_loop_telling_past_the_patchs_stop_tells_nothing_on_its_id(registry: Registry) -> None:
    # x rebuilt mid-run (A -> B), A's loop going on; the patch then stops (its cells emptied) and A's loop tells a
    # status and an error. Told apart by the cell's node, A was its id's again: both stood on x. B's own, told past
    # the same stop, is x's as ever (a loop's "closed" at the run's end).
    with x_running(registry, "t_tells_all_late") as run:
        engine = run.engine
        told: list[NodeStatus | NodeError] = []
        b = run.rebuild()
        engine.stop()
        engine.events.subscribe(told.append, NodeStatus, NodeError)
        tell_late(run.a)
        assert told == [], f"A's word past the patch's stop reached observers: {told}"
        assert "x" not in engine.errors, f"A's error stands on x: {engine.errors}"
        assert "label" not in engine.status_snapshot().get("x", {})
        tell_late(b)
        assert [(type(event).__name__, event.node_id) for event in told] == [("NodeStatus", "x"), ("NodeError", "x")]
        assert engine.status_snapshot()["x"]["label"] == "the loop of level 2.0"
        assert engine.errors["x"] == "the loop of level 2.0 failed after its stop"


def test_an_added_back_nodes_loop_telling_past_the_patchs_stop_is_its_ids_in_each_run(registry: Registry) -> None:
    # x removed (A) and added back (C), in two runs of one engine: C's loop, telling past the patch's stop, is x's (as
    # a loop's "closed" at the run's end), its stamps of removals and builds against counts never reset.
    engine = Engine(registry, workers=2, pin_workers=False)
    with_x = patch_of({"x": "t_tells_all_late"}, [])
    made: list[Any] = []
    try:
        for _ in range(2):
            engine.start(with_x)
            made.append(engine.node("x"))
            engine.update(patch_of({}, []))
            engine.update(with_x)
            made.append(c := engine.node("x"))
            engine.stop()
            told: list[NodeStatus] = []
            unsubscribe = engine.events.subscribe(told.append, NodeStatus)
            tell_late(c)
            unsubscribe()
            assert [event.status for event in told] == [{"label": "the loop of level 1.0"}]
            assert engine.errors.get("x") == "the loop of level 1.0 failed after its stop"
    finally:
        for node in made:
            node.tell.set()
        engine.stop()
