"""Every take's end is told once (the ledger), and a hung node does not stop the patch (the watchdog).

Issue 16: "two nodes of a patch hang: both worker threads block, the whole patch stops, 29 takes are stuck and
marked processed; nothing reported the stall"; "a classifier or node error must end the take with a reported
fate".
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

from exsampling_patch import SLOT, TAKE, Input, Node, Output, Param, SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, MessageHop, NodeError, NodeHung, TakeEnded
from exsampling_patch.runtime.plan import Plan, compile_plan
from exsampling_patch.runtime.rollback import diverted_into

RELEASE = threading.Event()


class Phone(Node):
    """A source: the test calls push() from its own thread; remembers the ends it is told of."""

    type_name = "t_phone"
    out = Output(TAKE)

    def start(self) -> None:
        self.ended: list[Any] = []

    def push(self, take_id: str) -> None:
        self.emit("out", Take(np.full(480, 0.1, np.float32), 48000, take_id=take_id, source="Ana"))

    def take_ended(self, ended: Any) -> None:
        self.ended.append(ended)


class Assign(Node):
    """Assign each take to slot HH, unless its id says otherwise ('bad': raise; 'quiet': drop it, saying why)."""

    type_name = "t_assign"
    take = Input(TAKE, multiple=True)
    slot = Output(SLOT)

    def on_take(self, take: Take) -> None:
        if "bad" in take.take_id:
            raise ValueError("cannot assign")
        if "quiet" in take.take_id:
            self.tell_fate(take, "dropped", "silent")
            return
        self.emit("slot", SlotAssignment("HH", take, "hihat", 0.9))


class Unbuildable(Node):
    """Cannot be built: its constructor raises, as a plugin's that looks for a file that is not there."""

    type_name = "t_unbuildable"
    take = Input(TAKE)
    slot = Output(SLOT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raise FileNotFoundError("no model file")

    def on_take(self, take: Take) -> None:
        raise AssertionError("never built, never called")


class Hang(Node):
    """Sleep in the handler until RELEASE is set (or `seconds` pass)."""

    type_name = "t_hang"
    hang_after = 0.3
    take = Input(TAKE, multiple=True)
    seconds = Param(float, 30.0, "at most")

    def start(self) -> None:
        self.entered = threading.Event()

    def on_take(self, take: Take) -> None:
        self.entered.set()
        RELEASE.wait(self.seconds)


class Keep(Node):
    """A sink that keeps what it gets."""

    type_name = "t_keep"
    inlet = Input(SLOT, multiple=True)
    take = Input(TAKE, multiple=True)

    def start(self) -> None:
        self.got: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.got.append(message)

    def on_take(self, message: Any) -> None:
        self.got.append(message)


class Pass(Node):
    """Passes each take on, as a gate that lets all through."""

    type_name = "t_pass"
    take = Input(TAKE, multiple=True)
    out = Output(TAKE)

    def on_take(self, take: Take) -> None:
        self.emit("out", take)


ON_START: list[Callable[[], object]] = []  # what a t_quits_after runs in its start() before it quits


class QuitsAfter(Node):
    """Runs what the test put in ON_START in its start(), then calls sys.exit(), as a plugin may."""

    type_name = "t_quits_after"
    take = Input(TAKE, multiple=True)

    def start(self) -> None:
        for hook in ON_START:
            hook()
        sys.exit("no device")

    def on_take(self, take: Take) -> None:
        pass


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Phone, Assign, Unbuildable, Hang, Keep, Pass, QuitsAfter):
        registry.register(node_type, "test")
    return registry


def run(registry: Registry, links: list[str], nodes: dict[str, str], workers: int = 2) -> tuple[Engine, list[Any]]:
    patch = Patch()
    for node_id, type_name in nodes.items():
        patch.add_node(NodeSpec(node_id, type_name))
    for link in links:
        patch.connect(*link.split(" -> "))
    engine = Engine(registry, workers=workers, pin_workers=False)
    events: list[Any] = []
    engine.events.subscribe(events.append, TakeEnded, NodeHung, NodeError)
    engine.start(patch)
    return engine, events


@contextmanager
def holding(registry: Registry, links: list[str], nodes: dict[str, str],
            workers: int = 2) -> Iterator[tuple[Engine, list[Any]]]:
    """``run``'s engine with RELEASE cleared, so the handlers that wait on it hold; on the way out, however the test
    went, RELEASE is set (a hung handler comes back) and the engine stopped."""
    RELEASE.clear()
    engine, events = run(registry, links, nodes, workers)
    try:
        yield engine, events
    finally:
        RELEASE.set()
        engine.stop()


def test_each_take_ends_once_with_its_fate_and_its_source_is_told(registry: Registry) -> None:
    engine, events = run(registry, ["phone.out -> assign.take", "phone.out -> keep.take", "assign.slot -> keep.inlet"],
                         {"phone": "t_phone", "assign": "t_assign", "keep": "t_keep"})
    try:
        phone: Any = engine.node("phone")
        for take_id in ("a1", "bad2", "quiet3", "a4"):
            phone.push(take_id)
        assert engine.wait_idle(5)
        ended = {e.take_id: e for e in events if isinstance(e, TakeEnded)}
        assert len([e for e in events if isinstance(e, TakeEnded)]) == 4  # once each
        assert ended["a1"].fate == "slot" and ended["a1"].reason == "slot HH" and ended["a1"].slots == ("HH",)
        assert ended["a1"].recorder == "Ana" and ended["a1"].source == "phone"
        assert ended["bad2"].fate == "error" and ended["bad2"].node_id == "assign"
        assert ended["bad2"].reason == "error in assign: ValueError: cannot assign"
        assert ended["quiet3"].fate == "dropped" and ended["quiet3"].reason == "silent"
        assert sorted(e.take_id for e in phone.ended) == ["a1", "a4", "bad2", "quiet3"]
        assert len(engine.ledger) == 0
    finally:
        engine.stop()


def test_a_node_that_could_not_be_built_is_reported_once_and_each_take_says_why(registry: Registry) -> None:
    # Before, each take raised "could not be built; see its first error" anew: an error line per take on the console,
    # the node's error count going up with every take, and its shown error replaced by that one, the build's lost.
    engine, events = run(registry, ["phone.out -> broken.take"], {"phone": "t_phone", "broken": "t_unbuildable"})
    try:
        phone: Any = engine.node("phone")
        for take_id in ("a1", "a2", "a3"):
            phone.push(take_id)
        assert engine.wait_idle(5)
        errors = [e for e in events if isinstance(e, NodeError)]
        assert [(e.node_id, e.error) for e in errors] == [("broken", "FileNotFoundError: no model file")]
        assert engine.errors["broken"] == "FileNotFoundError: no model file" and engine.error_counts["broken"] == 1
        ended = [e for e in events if isinstance(e, TakeEnded)]
        assert sorted(e.take_id for e in ended) == ["a1", "a2", "a3"]
        assert {(e.fate, e.node_id, e.reason) for e in ended} == {
            ("error", "broken", "error in broken: could not be built: FileNotFoundError: no model file")}
    finally:
        engine.stop()


def test_a_take_with_nothing_linked_ends_at_once(registry: Registry) -> None:
    engine, events = run(registry, [], {"phone": "t_phone"})
    try:
        engine.node("phone").push("alone")  # type: ignore[attr-defined]
        (ended,) = [e for e in events if isinstance(e, TakeEnded)]
        assert ended.fate == "done" and ended.reason == "nothing is linked to its source"
    finally:
        engine.stop()


def test_two_hung_nodes_do_not_stop_the_patch_and_their_takes_are_not_done(registry: Registry) -> None:
    """Two workers, two handlers that sleep: before, both workers blocked and nothing else flowed."""
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h1.take", "phone.out -> h2.take", "phone.out -> keep.take"],
                         {"phone": "t_phone", "h1": "t_hang", "h2": "t_hang", "keep": "t_keep"}, workers=2)
    try:
        phone: Any = engine.node("phone")
        phone.push("first")
        keep: Any = engine.node("keep")
        deadline = time.monotonic() + 5
        while len([e for e in events if isinstance(e, NodeHung)]) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        hung = [e for e in events if isinstance(e, NodeHung)]
        assert sorted(e.node_id for e in hung) == ["h1", "h2"] and all(e.take_id == "first" for e in hung)
        assert all(e.limit == 0.3 and not e.recovered for e in hung)
        assert "hung" in engine.errors["h1"] and set(engine.hung) == {"h1", "h2"}
        started = time.monotonic()
        for i in range(20):
            phone.push(f"next{i}")
        while len(keep.got) < 21 and time.monotonic() - started < 10:  # a hang's limit, not a busy host's 3 s
            time.sleep(0.01)
        assert len(keep.got) == 21, "the rest of the patch stopped"
        assert not [e for e in events if isinstance(e, TakeEnded)]  # their takes wait at the hung nodes
        assert phone.ended == []
        RELEASE.set()
        assert engine.wait_idle(10)
        assert len([e for e in events if isinstance(e, TakeEnded)]) == 21
        assert sorted(e.node_id for e in events if isinstance(e, NodeHung) and e.recovered) == ["h1", "h2"]
        assert engine.hung == {}
    finally:
        RELEASE.set()
        engine.stop()


def test_a_source_tells_the_end_of_a_take_it_never_emitted(registry: Registry) -> None:
    """A stored take found unreadable at a restart never flows: before, its end was no event (``tell_fate``
    ignores takes not in flight), so the console, the show log and the editor never saw it."""
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    try:
        phone: Any = engine.node("phone")
        phone.tell_fate_of("lost1", "Ana", reason="error in phone: stored take unreadable")
        (ended,) = [e for e in events if isinstance(e, TakeEnded)]
        assert (ended.take_id, ended.recorder, ended.fate) == ("lost1", "Ana", "error")
        assert ended.reason == "error in phone: stored take unreadable"
        assert ended.node_id == ended.source == "phone" and ended.slots == ()
        assert phone.ended == [ended] and len(engine.ledger) == 0  # its source told, as of any take's end
        assert engine.node("keep").got == []  # type: ignore[attr-defined]
    finally:
        engine.stop()


def test_the_end_told_of_a_take_in_flight_waits_for_its_last_message(registry: Registry) -> None:
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h.take"], {"phone": "t_phone", "h": "t_hang"})
    try:
        phone: Any = engine.node("phone")
        phone.push("held")
        phone.tell_fate_of("held", "Ana", fate="dropped", reason="told while in flight")
        assert not [e for e in events if isinstance(e, TakeEnded)]  # still at h: not ended yet
        RELEASE.set()
        assert engine.wait_idle(5)
        (ended,) = [e for e in events if isinstance(e, TakeEnded)]
        assert ended.fate == "dropped" and ended.reason == "told while in flight" and ended.node_id == "phone"
    finally:
        RELEASE.set()
        engine.stop()


def test_takes_queued_at_the_nodes_of_an_edit_rolled_back_still_end(registry: Registry) -> None:
    # A live edit puts "gate" between phone and keep; "quitter", after the gate (so started before it), quits, and
    # the engine puts back the plan that ran. The takes queued at the gate meanwhile were dropped with it: in flight
    # until the next start, they never ended during the run (and the phone never wrote them down as done).
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")

    def meanwhile() -> None:
        phone.push("t1")  # the gate's, not started yet: the plan that ran gives it to keep
        # Only the gate was given this one: nothing of the plan that ran would have had it.
        engine.inject("gate", "take", Take(np.full(480, 0.1, np.float32), 48000, take_id="t2", source="Bo"))

    hops: list[MessageHop] = []
    engine.events.subscribe(hops.append, MessageHop)
    ON_START[:] = [meanwhile]
    try:
        with pytest.raises(SystemExit):
            engine.update(edit_with_a_gate_that_quits())
        assert engine.plan is not None and engine.plan.version == 1
        # Handed back, t1 hops to keep as it would have: the show log sees where it went (a sampler's take, say).
        assert [(h.node_id, h.port, h.target, h.target_port, h.message.take_id) for h in hops] == [
            ("phone", "out", "gate", "take", "t1"), ("phone", "out", "keep", "take", "t1")]
        assert engine.wait_idle(5)
        ended = {e.take_id: e for e in events if isinstance(e, TakeEnded)}
        assert len([e for e in events if isinstance(e, TakeEnded)]) == 2  # once each
        assert (ended["t1"].fate, ended["t1"].node_id, ended["t1"].source) == ("done", "keep", "phone")
        assert [take.take_id for take in engine.node("keep").got] == ["t1"]  # type: ignore[attr-defined]
        assert (ended["t2"].fate, ended["t2"].node_id, ended["t2"].recorder) == ("dropped", "gate", "Bo")
        assert ended["t2"].reason == "dropped with node gate: the edit that added it was not swapped in"
        assert [e.take_id for e in phone.ended] == ["t1"]
        assert len(engine.ledger) == 0
    finally:
        ON_START.clear()
        engine.stop()


def test_the_nodes_an_edit_puts_in_the_place_of_others_are_told_from_a_branch(registry: Registry) -> None:
    # What these send on is all a take has of what the plan that ran sent elsewhere: dropped on a roll-back, the take
    # is told dropped. A branch beside the old links takes nothing from it: what it held is just counted off.
    def plan_of(*links: str) -> Plan:
        patch = Patch()
        for node_id, type_name in (("phone", "t_phone"), ("g1", "t_pass"), ("g2", "t_pass"), ("side", "t_pass"),
                                   ("keep", "t_keep")):
            if any(link.startswith(f"{node_id}.") or f"-> {node_id}." in link for link in links):
                patch.add_node(NodeSpec(node_id, type_name))
        for link in links:
            patch.connect(*link.split(" -> "))
        return compile_plan(patch, registry)

    old = plan_of("phone.out -> keep.take")
    edit = plan_of("phone.out -> g1.take", "g1.out -> g2.take", "g2.out -> keep.take")
    assert diverted_into(old, edit) == {"g1", "g2"}
    beside = plan_of("phone.out -> keep.take", "phone.out -> side.take", "side.out -> g1.take")
    assert diverted_into(old, beside) == set()


def test_the_takes_left_at_a_node_an_edit_removes_are_told_dropped(registry: Registry) -> None:
    # A removed node had 2 s to empty its queue, then was dropped with what was left: those takes stayed in flight
    # until the next start (never ended, never written down as done by their source).
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h.take"], {"phone": "t_phone", "h": "t_hang"})
    engine.retire_wait = 0.0  # at once: the message in hand is held until the rest is dropped
    edit = Patch()
    edit.add_node(NodeSpec("phone", "t_phone"))
    try:
        phone: Any = engine.node("phone")
        hang: Any = engine.node("h")
        hang.hang_after = 30.0  # not hung: the message in hand is waited for (a hung one: test_take_fates_edit_hangs)
        cell = engine._cells["h"]
        phone.push("held")
        assert hang.entered.wait(5)
        phone.push("q1")
        phone.push("q2")  # both queued at h behind "held"
        swap = threading.Thread(target=engine.update, args=(edit,))
        swap.start()
        deadline = time.monotonic() + 5
        while cell.started and time.monotonic() < deadline:  # the swap takes no more messages from h's queue
            time.sleep(0.002)
        RELEASE.set()
        swap.join(5)
        assert not swap.is_alive() and engine.plan is not None and engine.plan.version == 2
        ended = {e.take_id: e for e in events if isinstance(e, TakeEnded)}
        assert len([e for e in events if isinstance(e, TakeEnded)]) == 3  # once each
        assert (ended["held"].fate, ended["held"].node_id) == ("done", "h")  # the one in hand was handled
        for take_id in ("q1", "q2"):
            assert (ended[take_id].fate, ended[take_id].node_id) == ("dropped", "h")
            assert ended[take_id].reason == "dropped with node h: removed by an edit"
        assert sorted(e.take_id for e in phone.ended) == ["held", "q1", "q2"]
        assert len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


def edit_with_a_gate_that_quits() -> Patch:
    """phone -> gate -> keep, and "quitter" after the gate (so started before it), whose start() quits."""
    edit = Patch()
    for node_id, type_name in (("phone", "t_phone"), ("gate", "t_pass"), ("keep", "t_keep"),
                               ("quitter", "t_quits_after")):
        edit.add_node(NodeSpec(node_id, type_name))
    for link in ("phone.out -> gate.take", "gate.out -> keep.take", "gate.out -> quitter.take"):
        edit.connect(*link.split(" -> "))
    return edit


def hold_hops_to(engine: Engine, target: str) -> tuple[threading.Event, threading.Event]:
    """Hold a sender that read the plan between its hop to ``target`` and the delivery: (held, go)."""
    held, go = threading.Event(), threading.Event()

    def hold(hop: MessageHop) -> None:
        if hop.target == target:
            held.set()
            go.wait(5)

    engine.events.subscribe(hold, MessageHop)
    return held, go


def test_a_take_sent_to_a_node_of_an_edit_as_it_rolls_back_still_ends(registry: Registry) -> None:
    # The phone reads the edit's plan (its take goes to the gate), the edit rolls back and empties the gate's queue,
    # then the phone delivers: before, the take sat in the dropped gate's queue, in flight until the next start.
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    held, go = hold_hops_to(engine, "gate")
    sender = threading.Thread(target=phone.push, args=("late",))
    ON_START[:] = [sender.start, lambda: held.wait(5)]
    try:
        with pytest.raises(SystemExit):
            engine.update(edit_with_a_gate_that_quits())
        assert held.is_set() and engine.plan is not None and engine.plan.version == 1
        go.set()
        sender.join(5)
        assert engine.wait_idle(5)
        ended = [e for e in events if isinstance(e, TakeEnded)]
        assert [(e.take_id, e.fate, e.node_id) for e in ended] == [("late", "done", "keep")]
        assert [take.take_id for take in engine.node("keep").got] == ["late"]  # type: ignore[attr-defined]
        assert [e.take_id for e in phone.ended] == ["late"] and len(engine.ledger) == 0
    finally:
        go.set()
        ON_START.clear()
        engine.stop()


def test_a_take_sent_to_a_node_as_an_edit_removes_it_is_told_its_copy_dropped(registry: Registry) -> None:
    # The phone reads the plan that runs (its take goes to "gone" too), an edit removes "gone" and empties its queue,
    # then the phone delivers: before, the take sat in the removed node's queue, in flight until the next start.
    # Keep got it: done, the copy dropped with "gone" said after that.
    engine, events = run(registry, ["phone.out -> gone.take", "phone.out -> keep.take"],
                         {"phone": "t_phone", "gone": "t_keep", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    held, go = hold_hops_to(engine, "gone")
    edit = Patch()
    for node_id, type_name in (("phone", "t_phone"), ("keep", "t_keep")):
        edit.add_node(NodeSpec(node_id, type_name))
    edit.connect("phone.out", "keep.take")
    sender = threading.Thread(target=phone.push, args=("late",))
    try:
        sender.start()
        assert held.wait(5)
        engine.update(edit)
        go.set()
        sender.join(5)
        assert engine.wait_idle(5)
        ended = [e for e in events if isinstance(e, TakeEnded)]
        assert [(e.take_id, e.fate, e.node_id, e.reason) for e in ended] == [
            ("late", "done", "keep", "done (keep); a copy dropped with node gone: removed by an edit")]
        assert [e.take_id for e in phone.ended] == ["late"] and len(engine.ledger) == 0
    finally:
        go.set()
        engine.stop()
