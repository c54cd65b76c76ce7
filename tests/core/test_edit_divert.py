"""A live edit that takes a node out from between two: what was on its way through it goes on in order
(:mod:`exsampling_patch.runtime.divert`), with real engine workers."""

from __future__ import annotations

import linecache
import logging
import sys
import threading
import time
from types import FrameType
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output, Param
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, Event, MessageHop, NodeTiming
from tests.core.engine_nodes import Held, engine_registry, taken_out_from_between
from tests.waiting import wait_for


def test_a_message_its_sender_delivers_as_the_queued_ones_are_handed_on_comes_after_them() -> None:
    """The queued messages were handed on after the diversion was set, outside the node's lock: a message the sender
    delivered meanwhile (it still read the old plan) went on at once, ahead of those queued before it. Here the
    sender delivers one as the first queued message is handed on (its MessageHop, published on the edit's thread)."""
    registry = engine_registry()
    registry.register(Held, "test")
    Held.gate.clear()
    patch, edited = taken_out_from_between("held")
    engine = Engine(registry, workers=2)
    handed = threading.Event()  # r1 has handled the message injected while the first queued one was handed on
    first: list[threading.Thread] = []

    def observe(event: Event) -> None:
        if isinstance(event, NodeTiming) and event.node_id == "r1" and first:
            handed.set()
        elif isinstance(event, MessageHop) and (event.node_id, event.target) == ("r1", "r2") and not first:
            first.append(threading.current_thread())  # the edit's thread, handing on the first queued message
            engine.inject("r1", "inlet", 10)
            assert handed.wait(5)

    engine.events.subscribe(observe, MessageHop, NodeTiming)
    engine.start(patch)
    try:
        for number in range(10):
            engine.inject("r1", "inlet", number)
        cell = engine._cells["extra"]
        assert engine.node("extra").entered.wait(5)  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while len(cell.inbox) < 9 and time.monotonic() < deadline:
            time.sleep(0.002)
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        while cell.started and not first and time.monotonic() < deadline:  # the edit waits for the one in hand
            time.sleep(0.002)
        Held.gate.set()
        swap.join(10)
        assert not swap.is_alive() and engine.wait_idle(5)
        assert handed.is_set()
        assert engine.node("sink").received == list(range(11))  # type: ignore[attr-defined]
    finally:
        Held.gate.set()
        engine.stop()


class Seen(Node):
    """Passes each message on, noting it."""

    type_name = "seen"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def start(self) -> None:
        self.seen: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.seen.append(message)
        self.emit("outlet", message)


def test_a_message_a_worker_has_taken_up_is_waited_for_before_the_rest_goes_on() -> None:
    """A worker took the next message out of the node's queue, then took the node's run lock to handle it: an edit
    whose wait for the message in hand came between the two found no message in hand, and handed the rest on. That
    message was handled afterwards: after them, or (once the edited routes took effect) it went nowhere (lost in 3
    of 40 edits of a busy chain). Here the worker is held (a trace function, on its thread) between taking message 0
    and handling it, until the edit has handed on the rest or waits for it."""
    registry = engine_registry()
    registry.register(Seen, "test")
    patch, edited = taken_out_from_between("seen")
    engine = Engine(registry, workers=2)
    held, release, waits = threading.Event(), threading.Event(), threading.Event()

    def in_drain(frame: FrameType, event: str, arg: Any) -> Any:
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        cell = frame.f_locals.get("cell")
        if (event == "line" and line.startswith(("with cell.run_lock", "self._handle(")) and not held.is_set()
                and frame.f_locals.get("message") == 0 and cell is not None and cell.node.node_id == "extra"):
            held.set()  # message 0 is out of the queue, not handled yet
            release.wait(10)
        return in_drain

    def in_hold_runs(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and "self._cell_hung" in linecache.getline(frame.f_code.co_filename, frame.f_lineno):
            waits.set()  # the edit's wait for the message in hand did not find the run lock free
        return in_hold_runs

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return {"_drain": in_drain, "_hold_runs": in_hold_runs}.get(frame.f_code.co_name)

    threading.settrace(tracer)  # the threads started from here on: the engine's workers, the edit's
    try:
        engine.start(patch)
        cell = engine._cells["extra"]
        for number in range(10):
            engine.inject("r1", "inlet", number)
        assert held.wait(5)
        deadline = time.monotonic() + 5
        while len(cell.inbox) < 9 and time.monotonic() < deadline:
            time.sleep(0.002)
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        while not waits.is_set() and cell.diverts is None and time.monotonic() < deadline:
            time.sleep(0.002)
        release.set()
        swap.join(10)
        assert not swap.is_alive() and engine.wait_idle(5)
        assert engine.node("sink").received == list(range(10))  # type: ignore[attr-defined]
    finally:
        threading.settrace(None)
        release.set()
        engine.stop()


#: The gates of the Gated nodes, by their ``gate`` parameter.
GATES: dict[str, threading.Event] = {}


class Gated(Node):
    """Passes each message on once its gate (``GATES[gate]``) is set, noting what it took up."""

    type_name = "gated"
    inlet = Input(ANY)
    outlet = Output(ANY)
    gate = Param(str, "", "its key in GATES")

    def start(self) -> None:
        self.taken: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.taken.append(message)
        GATES[self.gate].wait(10)
        self.emit("outlet", message)


class HangsGated(Gated):
    """As gated, counted as hung soon."""

    type_name = "hangs_gated"
    hang_after = 0.1


def gated_engine(nodes: dict[str, str], links: list[str], edited_nodes: list[str],
                 edited_links: list[str]) -> tuple[Engine, Patch]:
    """A started engine running ``nodes`` (id: type; a gated one's gate is its id) with ``links``, a gate for each
    gated node (shut), and the edit: ``edited_nodes`` of them, with ``edited_links``."""
    registry = engine_registry()
    registry.register(Gated, "test")
    registry.register(HangsGated, "test")
    patch, edited = Patch(), Patch()
    for node_id, type_name in nodes.items():
        params = {"gate": node_id} if "gated" in type_name else {}
        if params:
            GATES[node_id] = threading.Event()
        patch.add_node(NodeSpec(node_id, type_name, params))
        if node_id in edited_nodes:
            edited.add_node(NodeSpec(node_id, type_name, params))
    for link in links:
        patch.connect(*link.split(" -> "))
    for link in edited_links:
        edited.connect(*link.split(" -> "))
    engine = Engine(registry, workers=3)
    engine.retire_wait = 30.0  # what is queued at a removed node waits for the test's gates, not for the clock
    engine.start(patch)
    return engine, edited


def running(thread: threading.Thread, *names: str) -> bool:
    """Whether ``thread`` is now in a function of one of ``names`` (the edit's step it waits in)."""
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name in names:
            return True
        frame = frame.f_back
    return False


def two_in_a_row_removed() -> tuple[Engine, Patch]:
    """r1 -> a -> b -> r2 -> sink (a and b gated), and the edit to r1 -> r2 -> sink."""
    return gated_engine(
        {"r1": "relay", "a": "gated", "b": "gated", "r2": "relay", "sink": "sink"},
        ["r1.outlet -> a.inlet", "a.outlet -> b.inlet", "b.outlet -> r2.inlet", "r2.outlet -> sink.inlet"],
        ["r1", "r2", "sink"], ["r1.outlet -> r2.inlet", "r2.outlet -> sink.inlet"])


def edit_with_both_queues_full(engine: Engine, edited: Patch) -> threading.Thread:
    """b holding 0 with 1..4 queued behind it, a holding 5 with 6..9: the edit started on a thread of its own, waiting
    for a's message in hand, and a's gate opened (b's stays shut)."""
    a, b = engine._cells["a"], engine._cells["b"]
    GATES["a"].set()
    for number in range(5):
        engine.inject("r1", "inlet", number)
    assert wait_for(lambda: len(b.inbox) == 4)  # b holds 0, 1..4 queued behind it
    GATES["a"].clear()
    for number in range(5, 10):
        engine.inject("r1", "inlet", number)
    assert wait_for(lambda: len(a.inbox) == 4)  # a holds 5, 6..9 queued behind it
    swap = threading.Thread(target=engine.update, args=(edited,))
    swap.start()
    assert wait_for(lambda: not a.started)  # the edit waits for a's message in hand
    GATES["a"].set()
    return swap


def test_what_is_queued_at_the_second_of_two_removed_nodes_goes_on_first() -> None:
    """r1 -> a -> b -> r2 edited to r1 -> r2: what was queued at a went on to r2, then the edited routes took effect,
    which have no links from b: all that was queued at b (and the message a had in hand, passed on to b) was lost. It
    is passed on by b's old link first, then what was queued at a: in the order they came."""
    engine, edited = two_in_a_row_removed()
    try:
        swap = edit_with_both_queues_full(engine, edited)
        # b's gate opens once the edit waits for b, or (without the fix) once it has moved on past a's queue
        assert wait_for(lambda: running(swap, "_let_through", "_retire") or not swap.is_alive())
        GATES["b"].set()
        swap.join(10)
        assert not swap.is_alive() and engine.wait_idle(5)
        assert engine.node("sink").received == list(range(10))  # type: ignore[attr-defined]
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()


def test_a_removed_node_passes_what_was_queued_for_it_on_by_its_old_links() -> None:
    """r1 -> x -> r2 with x removed (nothing put in its place): x handled what was queued for it as it was retired,
    and what it passed on followed the edited plan, which has no links from x: lost without a word."""
    engine, edited = gated_engine(
        {"r1": "relay", "x": "gated", "r2": "relay", "sink": "sink"},
        ["r1.outlet -> x.inlet", "x.outlet -> r2.inlet", "r2.outlet -> sink.inlet"],
        ["r1", "r2", "sink"], ["r2.outlet -> sink.inlet"])
    try:
        for number in range(10):
            engine.inject("r1", "inlet", number)
        assert wait_for(lambda: len(engine._cells["x"].inbox) == 9)
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        assert wait_for(lambda: engine.plan is not None and engine.plan.version == 2)  # the edited routes run
        GATES["x"].set()
        swap.join(10)
        assert not swap.is_alive() and engine.wait_idle(5)
        assert engine.node("sink").received == list(range(10))  # type: ignore[attr-defined]
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()


def test_what_the_hung_handler_of_a_removed_node_passes_on_goes_by_its_old_links() -> None:
    """The edit does not wait for a removed node's handler that counts as hung: what it passed on when it came back
    followed the edited plan, which has no links from it: lost, without a word for a plain message."""
    engine, edited = gated_engine(
        {"r1": "relay", "x": "hangs_gated", "r2": "relay", "sink": "sink"},
        ["r1.outlet -> x.inlet", "x.outlet -> r2.inlet", "r2.outlet -> sink.inlet"],
        ["r1", "r2", "sink"], ["r1.outlet -> r2.inlet", "r2.outlet -> sink.inlet"])
    engine.retire_wait = 0.0  # the edit waits out no queue behind the hung handler
    try:
        engine.inject("r1", "inlet", 0)
        assert wait_for(lambda: "x" in engine.hung)
        engine.update(edited)  # not held by the hung handler
        assert "x" not in engine._cells
        engine.inject("r1", "inlet", 1)
        assert wait_for(lambda: engine.node("sink").received == [1])  # type: ignore[attr-defined]
        GATES["x"].set()  # the handler comes back
        assert wait_for(lambda: engine.node("sink").received == [1, 0])  # type: ignore[attr-defined]
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()


def test_plain_messages_a_removed_node_cannot_pass_on_are_told(caplog: pytest.LogCaptureFixture) -> None:
    """Only a take said where it went: a plain message (a note, a trigger) left in a removed node's queue past its
    retire_wait, or passed on by its hung handler once the nodes it was linked to had left too, went unheard."""
    engine, edited = gated_engine(
        {"r1": "relay", "x": "hangs_gated", "y": "gated", "sink": "sink"},
        ["r1.outlet -> x.inlet", "x.outlet -> y.inlet", "y.outlet -> sink.inlet"],
        ["r1", "sink"], [])
    engine.retire_wait = 0.0
    try:
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime.engine"):
            for number in range(4):
                engine.inject("r1", "inlet", number)
            assert wait_for(lambda: "x" in engine.hung and len(engine._cells["x"].inbox) == 3)
            engine.update(edited)  # 1..3 queued at x go no further
            GATES["x"].set()  # the handler comes back: y has left too
            assert wait_for(lambda: engine.idle() and not engine.hung)
            assert wait_for(lambda: len(caplog.records) == 2)
        queued, sent = (record.getMessage() for record in caplog.records)  # the edit's, then the handler's
        assert "node x" in queued and " 3 messages queued that it did not pass on" in queued, queued
        assert "node x" in sent and "1 message on output 'outlet' that went nowhere" in sent, sent
        assert engine.node("sink").received == []  # type: ignore[attr-defined]
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()


def test_a_message_sent_as_stop_ends_an_edit_goes_where_the_plan_that_runs_sends_it() -> None:
    """Stop during an edit that takes a and b out from between others, while it waits for b's message in hand: the
    edited routes never take effect, but a's diversion stayed set, to a2, which the edit added and never started. What
    h1 sent to a while stop() drained the patch went into a2's queue: never handled, its take never ended, and stop()
    waited its whole time for it. The plan that runs (a) takes it."""
    engine, edited = gated_engine(
        {"h1": "gated", "a": "relay", "sink1": "sink", "r2": "relay", "b": "gated", "sink2": "sink"},
        ["h1.outlet -> a.inlet", "a.outlet -> sink1.inlet", "r2.outlet -> b.inlet", "b.outlet -> sink2.inlet"],
        ["h1", "sink1", "r2", "sink2"], ["r2.outlet -> sink2.inlet"])
    edited.add_node(NodeSpec("a2", "relay"))
    edited.connect("h1.outlet", "a2.inlet")
    edited.connect("a2.outlet", "sink1.inlet")
    stopped: list[bool] = []
    try:
        sink1: Any = engine.node("sink1")
        a, b = engine._cells["a"], engine._cells["b"]
        engine.inject("r2", "inlet", 0)
        engine.inject("h1", "inlet", 1)
        assert wait_for(lambda: engine.node("b").taken == [0] and engine.node("h1").taken == [1])  # type: ignore[attr-defined]
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        assert wait_for(lambda: a.diverts is not None and not b.started)  # the edit waits for b's message in hand
        stopper = threading.Thread(target=lambda: stopped.append(engine.stop(5.0)))
        stopper.start()
        swap.join(10)  # stop() ends the edit
        assert not swap.is_alive() and engine.plan is None
        GATES["h1"].set()  # h1 sends 1 on by the plan that runs: to a
        GATES["b"].set()
        stopper.join(10)
        assert not stopper.is_alive() and stopped == [True]
        assert sink1.received == [1]
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()


def test_what_was_queued_at_a_removed_node_goes_on_when_stop_ends_the_edit_that_diverted_it() -> None:
    """r1 -> a -> b -> r2 edited to r1 -> r2, stop() during the edit's wait for b's queue: a's queue, taken out to be
    handed on after b's, was in no queue any more. Lost without a word: stop() found the patch idle."""
    engine, edited = two_in_a_row_removed()
    stopped: list[bool] = []
    try:
        sink: Any = engine.node("sink")
        swap = edit_with_both_queues_full(engine, edited)
        assert wait_for(lambda: running(swap, "_let_through"))  # a's queue taken out, b's waited for
        stopper = threading.Thread(target=lambda: stopped.append(engine.stop(5.0)))
        stopper.start()
        swap.join(10)  # stop() ends the edit
        assert not swap.is_alive() and engine.plan is None
        GATES["b"].set()
        stopper.join(10)
        assert not stopper.is_alive() and stopped == [True]
        assert sink.received == list(range(10))
    finally:
        for gate in GATES.values():
            gate.set()
        engine.stop()
