"""The editor's Stop during an edit being swapped in: it returns once every node the engine built is stopped."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.patch import NodeSpec
from tests.core import engine_nodes
from tests.core.engine_nodes import Tracking, engine_registry


class OpenGate(logging.Handler):
    """Lets the held start() return once the runner says it waits for it."""

    def __init__(self, tracking: Tracking) -> None:
        super().__init__()
        self.tracking = tracking

    def emit(self, record: logging.LogRecord) -> None:
        if "waiting for node" in record.getMessage() and self.tracking.gate_on_warning:
            self.tracking.gate.set()


@pytest.fixture
def tracking() -> Iterator[Tracking]:
    engine_nodes.TRACKING = tracking = Tracking()
    logger = logging.getLogger("exsampling_patch.editor.live")
    handler = OpenGate(tracking)
    logger.addHandler(handler)
    try:
        yield tracking
    finally:
        logger.removeHandler(handler)
        tracking.gate.set()


def runner_swapping_in_a_held_node(tracking: Tracking) -> Runner:
    """A running patch of one node, and an edit adding a second whose start() waits at the tracking's gate."""
    model = EditorModel(engine_registry())
    model.add_node("tracked", (0, 0))
    runner = Runner(model, RuntimeObserver(), workers=2)
    assert runner.start(), runner.problem
    model.add_node("tracked", (200, 0), {"hold": True})
    runner.sync()
    assert runner.swapping and tracking.holding.wait(10), "the edit never began to start the held node"
    return runner


def test_stop_during_a_swap_returns_once_its_nodes_are_stopped(tracking: Tracking) -> None:
    # Runner.stop gave up on the swap after its timeout and stopped the engine: the node the swap was starting (a
    # model loading) went on, never stopped, its ports and devices held when the performer pressed Start again.
    runner = runner_swapping_in_a_held_node(tracking)
    runner.stop(timeout=0.05)
    assert not runner.swapping and not runner.running
    assert len(tracking.built) == 2
    assert Counter(id(node) for node in tracking.stops) == {id(node): 1 for node in tracking.built}


def test_stop_gives_up_on_a_start_that_never_returns_and_the_swap_stops_it_later(tracking: Tracking) -> None:
    # A plugin whose start() never returns must not hang the editor's Stop (the show goes on): the runner gives up,
    # says so, and the swap stops that node once its start() returns.
    runner = runner_swapping_in_a_held_node(tracking)
    swap = runner._swap
    tracking.gate_on_warning = False
    assert runner.stop(timeout=0.05, give_up_after=0.2) is False
    assert runner.problem and "still in its start()" in runner.problem
    assert swap is not None and swap.is_alive()  # the held start() goes on
    tracking.gate.set()
    swap.join(10)
    assert not swap.is_alive()
    # The swap ended, cut short: taken for swapped in, it cleared what Stop said.
    assert runner.problem and "still in its start()" in runner.problem
    assert len(tracking.built) == 2
    assert Counter(id(node) for node in tracking.stops) == {id(node): 1 for node in tracking.built}


class HeldStop(Node):
    """Its stop() waits at ``release``, as a node closing a device takes a while: Stop has begun and not ended."""

    type_name = "held_stop"
    inlet = Input(ANY)
    stopping = threading.Event()
    release = threading.Event()

    def stop(self) -> None:
        HeldStop.stopping.set()
        HeldStop.release.wait(30.0)  # a failed test does not leave it waiting for ever
        super().stop()

    def on_inlet(self, message: Any) -> None:
        pass


def test_an_edit_refused_while_stop_runs_is_not_said_to_leave_the_old_plan_running() -> None:
    registry = engine_registry()
    registry.register(HeldStop, "test")
    HeldStop.stopping.clear()
    HeldStop.release.clear()
    model = EditorModel(registry)
    model.add_node("held_stop", (0, 0))
    runner = Runner(model, RuntimeObserver(), workers=2)
    assert runner.start(), runner.problem
    engine = runner.engine
    assert engine is not None
    stop = threading.Thread(target=runner.stop, daemon=True)
    stop.start()
    try:
        assert HeldStop.stopping.wait(10), "Stop never reached the node"
        edit = model.patch.copy()
        edit.add_node(NodeSpec("stray", "no_such_type"))
        # What the swap's thread does with an edit the engine refuses, Stop begun meanwhile (the model's own check
        # let it by: runnable_patch is asked before the swap begins).
        runner._update(engine, edit)
    finally:
        HeldStop.release.set()
        stop.join(10)
    assert not stop.is_alive() and not runner.running
    # It said "not swapped in (the old plan runs on)" once the run was over.
    assert runner.problem is None, runner.problem
