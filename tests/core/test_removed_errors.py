"""The errors of a node a live edit removed: gone from the running patch's error book once it is removed (the console
logged them as they came), whether told before the edit, by its stop(), or by a loop of its own still running after
it; and none of an x added back later. So for an older node of the id, rebuilt before the removal."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeErrorCounted
from tests.core import test_roll_back_plain
from tests.core.test_roll_back_plain import Notes, Quits, patch_of
from tests.core.test_stopped_loop_errors import LoopsPastStop, XRun, tell_late, x_running


class NoDeviceStopFails(Node):
    """As a sampler with no sound card: its start() tells so; its stop() fails at closing what it has."""

    type_name = "t_removed_no_device"
    inlet = Input(ANY)

    def start(self) -> None:
        self.report_error("no sound card: silent until one is there", about="device")

    def stop(self) -> None:
        super().stop()
        raise OSError("the device would not close")

    def on_inlet(self, message: Any) -> None:
        pass


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Registry:
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)  # its loop goes on past the stop anyway
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, NoDeviceStopFails, LoopsPastStop, Quits):
        registry.register(node_type, "test")
    return registry


def test_a_removed_nodes_errors_before_and_in_its_stop_leave_the_error_book(registry: Registry) -> None:
    # x stands in "no sound card"; an edit removes x, and its stop() fails. Both stayed x's in engine.errors and
    # error_state (an editor attaching then showed x in error) until an edit added x back or the engine started again.
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({"notes": "t_plain_notes", "x": "t_removed_no_device"}, ["notes.out -> x.inlet"]))
    try:
        assert engine.errors["x"].startswith("no sound card")
        engine.update(patch_of({"notes": "t_plain_notes"}, []))
        assert "x" not in engine.errors, f"a removed node's error stands: {engine.errors}"
        state = engine.error_state().get("x")
        assert state is None or state.error is None
        assert engine.error_counts["x"] == 2  # both still x's in the end-of-show summary
    finally:
        engine.stop()


def test_a_removed_nodes_loop_failing_past_its_stop_tells_no_error_on_its_id(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # x's loop ignores its stop; an edit removes x; the loop reports an error. Told by the id, it stood in
    # engine.errors for a node the patch no longer has, until x was added back.
    with x_running(registry) as run:
        run.remove()
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime"):
            tell_late(run.a)
        assert "x" not in run.engine.errors, f"a removed node's late error stands on its id: {run.engine.errors}"
        assert "the old loop failed after its stop" in caplog.text  # told on the console as the old node's


def test_a_removed_nodes_loop_failing_past_its_stop_is_not_an_added_back_xs_error(registry: Registry) -> None:
    with x_running(registry) as run:
        run.remove()
        run.add_back()
        tell_late(run.a)
        assert "x" not in run.engine.errors, f"the removed x's error stands on the x added back: {run.engine.errors}"


def rebuilt_then_removed(run: XRun) -> None:
    """x rebuilt by a parameter change (A, then B), then removed by an edit."""
    b = run.rebuild()
    assert b is not run.a
    run.remove()


def test_a_rebuilt_then_removed_nodes_first_loop_tells_no_error_on_its_id(registry: Registry) -> None:
    # x rebuilt (A -> B), then removed: only B was marked removed, so A's loop, told after its stop, had its error
    # stand in engine.errors (and a NodeError) on an id the patch no longer has.
    with x_running(registry) as run:
        engine = run.engine
        told: list[NodeError] = []
        rebuilt_then_removed(run)
        engine.events.subscribe(told.append, NodeError)
        counted = engine.error_counts.get("x", 0)
        tell_late(run.a)
        assert "x" not in engine.errors, f"A's late error stands on a removed id: {engine.errors}"
        assert told == []
        assert engine.error_counts["x"] == counted + 1  # still x's in the end-of-show summary


def test_a_rebuilt_then_removed_nodes_first_loop_counts_on_no_x_added_back(registry: Registry) -> None:
    # As above, x then added back (C): A's late error was published as a NodeErrorCounted (the badge counted it on C)
    # and error_state counted it on C.
    with x_running(registry) as run:
        engine = run.engine
        counted: list[NodeErrorCounted] = []
        rebuilt_then_removed(run)
        run.add_back()
        engine.events.subscribe(counted.append, NodeErrorCounted)
        tell_late(run.a)
        assert "x" not in engine.errors, f"A's late error stands on the x added back: {engine.errors}"
        assert counted == [], "a NodeErrorCounted on the added-back x's badge"
        state = engine.error_state().get("x")
        assert state is None or state.told == 0, f"the added-back x counts A's late error: {state}"


def test_a_node_added_by_an_edit_rolled_back_tells_its_late_error_on_no_id(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    # An edit adds x and q; x starts (consumers first), then q's start() quits, and the edit is rolled back: x is
    # stopped and dropped, never marked removed. x's loop then reports an error: it stood in engine.errors on an id the
    # running plan has not. The failure that undid the edit stays on q, as before.
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({}, []))
    started: list[Any] = []
    monkeypatch.setattr(test_roll_back_plain, "ON_START", [lambda: started.append(engine.node("x"))])
    try:
        with pytest.raises(SystemExit):
            engine.update(patch_of({"q": "t_plain_quits", "x": "t_loop_past_stop"}, []))
        assert engine.find_node("x") is None
        assert "no device" in engine.errors["q"]
        counted = engine.error_counts.get("x", 0)
        tell_late(started[0])
        assert "x" not in engine.errors, f"a dropped node's late error stands on its id: {engine.errors}"
        assert engine.error_counts["x"] == counted + 1  # still x's in the end-of-show summary
        assert "no device" in engine.errors["q"]
    finally:
        for node in started:
            node.tell.set()
        engine.stop()
