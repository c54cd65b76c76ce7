"""The errors of a node id where two nodes of it ran: a removed x's handler hung, and an x added back. The old x's
hang (its failed message not finished) is none of the new x's: it neither holds back the new x's recovery nor ends
the new x's own failed message as it comes back."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from exsampling_patch import Param
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeErrorCounted, NodeStatus
from tests.core.test_roll_back_plain import Notes, patch_of
from tests.core.test_watchdog_same_id import Hangs, hang_then_remove, let_go, started, worker_of
from tests.waiting import wait_for


class NoDevice(Hangs):
    """As a sampler with no JACK server: its start() tells so (the node runs on); the test, as its device thread,
    tells the device opened."""

    type_name = "t_same_id_no_device"

    def start(self) -> None:
        super().start()
        self.report_error("no JACK server: the sampler is silent until it is back", about="device")


class FailsLate(Hangs):
    """Holds each message until its ``release`` is set, then raises."""

    type_name = "t_same_id_fails_late"
    level = Param(float, 1.0, "any other value rebuilds it")

    def on_inlet(self, message: Any) -> None:
        super().on_inlet(message)
        raise ValueError("old x failed late")


class LoadsLate(Hangs):
    """Holds each message until its ``release`` is set, then tells a take loaded after all; one of ``level`` 2 fails
    at being told so (as an output plugin's ``take_loaded_after_all`` can)."""

    type_name = "t_same_id_loads_late"
    level = Param(float, 1.0, "2: take_loaded_after_all raises")

    def on_inlet(self, message: Any) -> None:
        super().on_inlet(message)
        self.report_status(loaded_after_all="take-1")

    def take_loaded_after_all(self, take_id: str, by: str, kind: str) -> None:
        if self.level == 2.0:
            raise ValueError("new x failed at a take loaded after all")


class EndFailsLate(Hangs):
    """Its handler tells the end of a take it never emitted, and its ``take_ended``, called there on its worker,
    holds until its ``release`` is set, then raises; one of ``level`` 2 does nothing more in its handler."""

    type_name = "t_same_id_end_fails_late"
    level = Param(float, 1.0, "2: the handler returns at once")

    def on_inlet(self, message: Any) -> None:
        if self.level != 2.0:
            self.tell_fate_of(f"take-{message}", reason="unreadable")

    def take_ended(self, ended: Any) -> None:
        self.release.wait(30)
        raise ValueError("old x failed at its take's end")


class EndFailsPastStop(EndFailsLate):
    """As :class:`EndFailsLate`, never taken for hung: its take_ended held past the patch's stop is no hang's. Sets
    ``ending`` as its take_ended begins."""

    type_name = "t_same_id_end_fails_past_stop"
    hang_after = 30.0

    def start(self) -> None:
        super().start()
        self.ending = threading.Event()

    def take_ended(self, ended: Any) -> None:
        self.ending.set()
        super().take_ended(ended)


class ReportsLate(LoadsLate):
    """As :class:`LoadsLate`, but one of ``level`` 2 tells an error (report_error) at being told a take loaded after
    all, raising nothing."""

    type_name = "t_same_id_reports_late"

    def take_loaded_after_all(self, take_id: str, by: str, kind: str) -> None:
        if self.level == 2.0:
            self.report_error("new x could not show a take loaded after all")


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, Hangs, NoDevice, FailsLate, LoadsLate, EndFailsLate, EndFailsPastStop, ReportsLate):
        registry.register(node_type, "test")
    return registry


@contextmanager
def rebuilt_beside_its_hung_handler(registry: Registry,
                                    x_type: str) -> Iterator[tuple[Engine, Any, Any, Callable[[], None]]]:
    """x (of ``x_type``, fed by ``notes``) hangs on a take; a parameter change (``level`` 2) rebuilds x as B beside
    its hung handler A. Yields the engine, A, B, and a call that lets A go and returns once all of A's return is done
    (its worker retired); lets everything go at the end."""
    engine = Engine(registry, workers=2, pin_workers=False)
    with_x = patch_of({"notes": "t_plain_notes", "x": x_type}, ["notes.out -> x.inlet"])
    engine.start(with_x)
    a: Any = engine.node("x")
    b: Any = None
    try:
        notes: Any = engine.node("notes")
        notes.push(1)
        assert wait_for(lambda: "x" in engine.hung)
        a_worker = worker_of(engine, a)
        with_x.nodes["x"].params["level"] = 2.0
        engine.update(with_x)
        b = engine.node("x")
        assert b is not a

        def let_a_back() -> None:
            a.release.set()
            a_worker.join(10)
            assert not a_worker.is_alive()

        yield engine, a, b, let_a_back
    finally:
        let_go(engine, a, b)


def test_a_re_added_nodes_device_back_ends_its_error_while_a_removed_one_of_its_id_hangs(registry: Registry) -> None:
    # x's handler A hangs; an edit removes x, another adds x back, whose start finds no device. A's failed message,
    # noted by the id, was still being finished: the new x's device opened and ended nothing, and x stood in "no JACK
    # server" (the editor's badge, no "is back" on the console) while it played.
    engine, _, _ = started(registry)
    a: Any = engine.node("x")
    b: Any = None
    try:
        hang_then_remove(engine, a)
        engine.update(patch_of({"notes": "t_plain_notes", "x": "t_same_id_no_device"}, ["notes.out -> x.inlet"]))
        b = engine.node("x")
        assert engine.errors["x"].startswith("no JACK server")
        b.report_status(device="system", sample_rate=48000.0)
        assert "x" not in engine.errors
    finally:
        let_go(engine, a, b)


def test_a_removed_nodes_hung_handler_back_leaves_a_re_added_ones_hang_in_error(registry: Registry) -> None:
    # A hangs, x is removed and added back, and the new x's handler B hangs too. A, back, ended the finishing of x's
    # failed message (B's, by the id): the new x's device opened and ended B's "hung", x shown back while B hung.
    engine, events, with_x = started(registry)
    a: Any = engine.node("x")
    b: Any = None
    try:
        notes, a_worker = hang_then_remove(engine, a)
        engine.update(with_x)
        b = engine.node("x")
        notes.push(2)
        assert wait_for(lambda: len([e for e in events if not e.recovered]) == 2)  # B told hung
        a.release.set()
        a_worker.join(10)  # A back, its worker retired: all of its return is done
        assert not a_worker.is_alive()
        b.report_status(device="system")
        assert "hung" in engine.errors.get("x", "")
    finally:
        let_go(engine, a, b)


def test_a_removed_nodes_hung_handler_failing_late_leaves_a_re_added_ones_recovery(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # x's handler A hangs; x is removed and added back with no device; A is let go and raises. Recorded by the id, its
    # error stood on the new x and had x "finishing" a failed message no handler of x would end (A's node had left its
    # cell): the new x's device opened and ended nothing (x in 'ValueError: old x failed late' for good). Not told on
    # the new x, it is still counted on the id: the end-of-show summary names x for it.
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({"notes": "t_plain_notes", "x": "t_same_id_fails_late"}, ["notes.out -> x.inlet"]))
    a: Any = engine.node("x")
    b: Any = None
    try:
        _, a_worker = hang_then_remove(engine, a)
        engine.update(patch_of({"notes": "t_plain_notes", "x": "t_same_id_no_device"}, ["notes.out -> x.inlet"]))
        b = engine.node("x")
        counted = engine.error_counts["x"]
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime"):
            a.release.set()
            a_worker.join(10)  # A back, its worker retired: all of its return is done
        assert not a_worker.is_alive()
        assert engine.errors["x"].startswith("no JACK server")
        assert "old x failed late" in caplog.text  # told on the console as the old node's
        assert engine.error_counts["x"] == counted + 1  # still x's in the end-of-show summary
        b.report_status(device="system", sample_rate=48000.0)
        assert "x" not in engine.errors
    finally:
        let_go(engine, a, b)


def test_a_rebuilt_nodes_own_error_told_on_its_old_ones_hung_worker_stands_on_its_id(registry: Registry) -> None:
    # x's handler A hangs; a parameter change rebuilds x as B beside it; A is let go and tells its take loaded after
    # all, on A's worker, and B's take_loaded_after_all raises. Taken for the old x's by the worker's busy handler, B's
    # own error was dropped to the console: no error on x.
    with rebuilt_beside_its_hung_handler(registry, "t_same_id_loads_late") as (engine, _, _, let_a_back):
        let_a_back()
        assert "new x failed at a take loaded after all" in engine.errors.get("x", "")


def test_an_old_nodes_take_ended_failing_late_on_its_hung_worker_is_not_its_rebuilt_ids_error(
        registry: Registry) -> None:
    # x's handler A tells a take's end, and A's take_ended, on A's worker, hangs; a parameter change rebuilds x as B
    # beside it; A's take_ended is let go and raises. Told with no port and no node, it was taken for the id's current
    # node's: A's error stood on B.
    with rebuilt_beside_its_hung_handler(registry, "t_same_id_end_fails_late") as (engine, _, _, let_a_back):
        counted = engine.error_counts.get("x", 0)
        let_a_back()
        assert "x" not in engine.errors
        assert engine.error_counts["x"] == counted + 1  # still x's in the end-of-show summary


def test_a_rebuilt_nodes_own_report_error_told_on_its_old_ones_hung_worker_stands_on_its_id(
        registry: Registry) -> None:
    # As the test above, but B tells its error with report_error. The context gave it the port of the worker's busy
    # handler (A's), so it was taken for A's own handler's error and dropped to the console: no error on x.
    with rebuilt_beside_its_hung_handler(registry, "t_same_id_reports_late") as (engine, _, b, let_a_back):
        let_a_back()
        assert engine.errors.get("x", "") == "new x could not show a take loaded after all"
        b.report_status(device="system")  # B's own error, told out of any handler: a device opening ends it
        assert "x" not in engine.errors


@pytest.mark.parametrize("x_type", ["t_same_id_fails_late", "t_same_id_end_fails_late"])
def test_a_rebuilt_then_removed_nodes_hung_handler_failing_late_counts_on_no_x_added_back(
        registry: Registry, x_type: str) -> None:
    # x's handler A hangs (in on_inlet, or in take_ended called back on its worker); a parameter change rebuilds x as B
    # beside it; an edit removes x (B) and another adds it back (C); A is let go and raises. Only B was marked removed:
    # A's failure was published as a NodeErrorCounted, which put it on C's badge, and error_state counted it on C.
    with rebuilt_beside_its_hung_handler(registry, x_type) as (engine, _, _, let_a_back):
        with_x = patch_of({"notes": "t_plain_notes", "x": x_type}, ["notes.out -> x.inlet"])
        engine.update(patch_of({"notes": "t_plain_notes"}, []))
        engine.update(with_x)
        counted: list[NodeErrorCounted] = []
        engine.events.subscribe(counted.append, NodeErrorCounted)
        summary = engine.error_counts.get("x", 0)
        let_a_back()
        assert counted == [], "a NodeErrorCounted on the added-back x's badge"
        state = engine.error_state().get("x")
        assert state is None or state.told == 0, f"the added-back x counts A's late failure: {state}"
        assert "x" not in engine.errors
        assert engine.error_counts["x"] == summary + 1  # still x's in the end-of-show summary


def test_a_rebuilt_nodes_hung_handler_loading_its_take_after_all_is_still_published(registry: Registry) -> None:
    # x's handler A hangs; a parameter change rebuilds x as B beside it; A is let go and tells its take loaded after
    # all. Told to the engine only, no NodeStatus carried it: `exsampling run`'s count of takes no output has never
    # went down. Only that word is told: the rest of A's status is none of B's line.
    with rebuilt_beside_its_hung_handler(registry, "t_same_id_loads_late") as (engine, _, _, let_a_back):
        told: list[NodeStatus] = []
        engine.events.subscribe(told.append, NodeStatus)
        let_a_back()
        late = [event.status for event in told if event.node_id == "x" and "loaded_after_all" in event.status]
        assert late == [{"loaded_after_all": "take-1"}], f"A's take loaded after all reached no observer: {told}"
        assert "loaded_after_all" not in engine.status_snapshot().get("x", {})


def test_the_ids_only_nodes_called_back_error_past_the_patchs_stop_is_its_own(
        registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    # x, never edited, tells a take's end in its handler; its take_ended, called back on its worker, holds past the
    # patch's stop, then raises. Judged by the cells, which the stop emptied, it was an old x's: logged "removed or
    # rebuilt by an edit", counted only (NodeErrorCounted), no NodeError, nothing in engine.errors.
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(patch_of({"notes": "t_plain_notes", "x": "t_same_id_end_fails_past_stop"}, ["notes.out -> x.inlet"]))
    x: Any = engine.node("x")
    told: list[NodeError | NodeErrorCounted] = []
    try:
        engine.events.subscribe(told.append, NodeError, NodeErrorCounted)
        notes: Any = engine.node("notes")
        notes.push(1)
        assert x.ending.wait(10)
        assert not engine.stop(timeout=0.3)  # x's take_ended held past it
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime"):
            x.release.set()
            assert wait_for(lambda: told)
        assert [(type(event).__name__, event.node_id) for event in told] == [("NodeError", "x")]
        assert engine.errors.get("x") == "ValueError: old x failed at its take's end"
        assert "removed or rebuilt by an edit" not in caplog.text
    finally:
        x.release.set()
        engine.stop()
