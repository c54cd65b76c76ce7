"""The runtime engine: message flow on workers, bypass of failing nodes, live plan swaps, bounded stop."""

from __future__ import annotations

import os
import threading
import time

import pytest

from exsampling_patch import ANY, Input, Node, Output, Param
from exsampling_patch.errors import PatchError
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, MessageHop, NodeStarted, NodeTiming, PlanSwapped
from tests.core.engine_nodes import LIFECYCLE, Held, all_sent, chain, engine_registry, taken_out_from_between


@pytest.fixture
def registry() -> Registry:
    return engine_registry()


def test_order_and_completeness(registry: Registry) -> None:
    engine = Engine(registry, workers=3)
    engine.start(chain(5, count=300))
    sink = engine.node("sink")
    assert all_sent(engine) and engine.wait_idle(5, settle=0.1)
    assert sink.received == list(range(300))  # type: ignore[attr-defined]
    engine.stop()


def test_an_idle_engine_is_idle_with_no_time_left_to_wait(registry: Registry) -> None:
    """A stop whose sources used up its time asks with none left: an idle engine must not be 'unfinished'."""
    engine = Engine(registry)
    engine.start(chain(2, count=3))
    try:
        assert engine.wait_idle(5)
        assert engine.wait_idle(0)
    finally:
        engine.stop()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a system where threads can be pinned, with two CPUs or more")
def test_workers_are_pinned_one_cpu_each_in_turn_and_can_be_left_free(registry: Registry) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    engine = Engine(registry, workers=len(cpus) + 1)
    engine.start(chain(2, count=10))
    try:
        assert engine.wait_idle(5, settle=0.1)
        pinned = [os.sched_getaffinity(worker.native_id) for worker in engine._workers]  # type: ignore[arg-type]
        assert pinned == [{cpu} for cpu in cpus] + [{cpus[0]}]
        assert os.sched_getaffinity(0) == set(cpus)  # the caller's thread is left as it was
    finally:
        engine.stop()
    free = Engine(registry, workers=2, pin_workers=False)
    free.start(chain(2, count=10))
    try:
        assert free.wait_idle(5, settle=0.1)
        assert all(os.sched_getaffinity(w.native_id) == set(cpus) for w in free._workers)  # type: ignore[arg-type]
    finally:
        free.stop()


def test_the_engine_shortens_the_gil_switch_interval_while_it_runs(registry: Registry) -> None:
    import sys

    before = sys.getswitchinterval()
    engine = Engine(registry, switch_interval=0.0005)
    engine.start(chain(2, count=3))
    try:
        assert sys.getswitchinterval() == pytest.approx(min(before, 0.0005))
    finally:
        engine.stop()
    assert sys.getswitchinterval() == pytest.approx(before)
    untouched = Engine(registry, switch_interval=None)
    untouched.start(chain(2, count=3))
    try:
        assert sys.getswitchinterval() == pytest.approx(before)
    finally:
        untouched.stop()


def test_every_node_is_prepared_before_any_starts(registry: Registry) -> None:
    LIFECYCLE.clear()
    patch = Patch()
    for node_id in ("a", "b", "c"):
        patch.add_node(NodeSpec(node_id, "slow", {"fail_prepare": node_id == "b"}))
    patch.connect("a.outlet", "b.inlet")
    patch.connect("b.outlet", "c.inlet")
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("c.outlet", "sink.inlet")
    engine = Engine(registry)
    engine.start(patch)
    calls = [call for _, call in LIFECYCLE]
    assert calls == ["prepare"] * 3 + ["start"] * 3
    assert "cannot begin loading" in engine.errors["b"]  # reported, and the node was started all the same
    engine.inject("a", "inlet", "through")
    assert engine.wait_idle()
    assert engine.node("sink").received == ["through"]  # type: ignore[attr-defined]
    edited = patch.copy()
    edited.nodes["a"].params["fail_prepare"] = True
    LIFECYCLE.clear()
    engine.update(edited)  # a node replaced live is prepared, then started
    assert sorted(LIFECYCLE) == [("a", "prepare"), ("a", "start")]
    assert "cannot begin loading" in engine.errors["a"]  # its error, reported while it replaced the old one
    broken = edited.copy()
    broken.nodes["c"].params["fail_build"] = True
    engine.update(broken)
    assert "cannot be built" in engine.errors["c"]  # kept, not cleared with the old node's errors
    engine.stop()


def test_plan_swap_keeps_messages_in_flight(registry: Registry) -> None:
    engine = Engine(registry, workers=2)
    patch = chain(3, count=3000, interval=0.0002)
    engine.start(patch)
    swaps: list[Event] = []
    engine.events.subscribe(swaps.append, PlanSwapped)
    time.sleep(0.05)
    for step in range(6):
        edited = patch.copy()
        if step % 2 == 0:  # insert a node between r1 and r2
            edited.links = [ln for ln in edited.links if str(ln) != "r1.outlet -> r2.inlet"]
            edited.add_node(NodeSpec("extra", "relay"))
            edited.connect("r1.outlet", "extra.inlet")
            edited.connect("extra.outlet", "r2.inlet")
        engine.update(edited)
        time.sleep(0.03)
    source = engine.node("src")
    deadline = time.monotonic() + 10
    while source.sent < 3000 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)
    assert engine.wait_idle(5, settle=0.1)
    received = engine.node("sink").received  # type: ignore[attr-defined]
    engine.stop()
    assert len(swaps) == 6 and swaps[0].added == ("extra",) and swaps[1].removed == ("extra",)  # type: ignore[attr-defined]
    assert sorted(received) == list(range(3000))


def test_messages_on_their_way_through_a_node_an_edit_takes_out_from_between_two_go_on(registry: Registry) -> None:
    """An edit that took a node out from between two, linking its sender to the next one, swapped the routes with
    messages still queued at it: it handled them afterwards, and what it passed on went nowhere (the edited plan has
    no links from it), lost without a word. They go on to the next node now, in order, the one in hand too."""
    registry.register(Held, "test")
    Held.gate.clear()
    patch, edited = taken_out_from_between("held")
    engine = Engine(registry, workers=2)
    engine.start(patch)
    try:
        for number in range(10):
            engine.inject("r1", "inlet", number)
        cell = engine._cells["extra"]
        assert engine.node("extra").entered.wait(5)  # type: ignore[attr-defined]
        deadline = time.monotonic() + 5
        while len(cell.inbox) < 9 and time.monotonic() < deadline:
            time.sleep(0.002)
        running = engine.plan
        swap = threading.Thread(target=engine.update, args=(edited,))
        swap.start()
        # The edit now waits for the message in hand (it holds the node's queue), or has swapped the routes.
        while cell.started and engine.plan is running and time.monotonic() < deadline:
            time.sleep(0.002)
        Held.gate.set()
        swap.join(5)
        assert not swap.is_alive() and engine.wait_idle(5)
        assert engine.node("sink").received == list(range(10))  # type: ignore[attr-defined]
    finally:
        Held.gate.set()
        engine.stop()


def test_changed_params_restart_the_node(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": []}))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("add.outlet", "sink.inlet")
    engine = Engine(registry)
    engine.start(patch)
    engine.inject("add", "inlet", 1)
    assert engine.wait_idle()
    first = engine.node("add")
    edited = patch.copy()
    edited.nodes["add"].params["fail_on"] = [2]
    engine.update(edited)
    assert engine.node("add") is not first
    engine.inject("add", "inlet", 2)
    assert engine.wait_idle()
    assert engine.node("sink").received == [2, 2]  # type: ignore[attr-defined]
    engine.stop()


class SeenInPlace(Node):
    """Keep each number it is sent in its list parameter: a node that changes a value of its own in place."""

    type_name = "seen_in_place"
    inlet = Input(ANY)
    seen = Param(list, [], "the numbers sent so far")

    def on_inlet(self, message: int) -> None:
        self.seen.append(message)


def test_a_list_a_node_changes_in_place_is_its_own_not_the_patch_s_nor_its_type_s(registry: Registry) -> None:
    """Its value was the running patch's, which the next edit elsewhere then found changed: the node was rebuilt,
    losing what it held; and its default was the type's, shared with every node of it, built then or later."""
    registry.register(SeenInPlace, "test")
    patch = Patch()
    patch.add_node(NodeSpec("given", "seen_in_place", {"seen": [0]}))
    patch.add_node(NodeSpec("default", "seen_in_place"))
    started = patch.copy()  # as the editor starts it: a copy of the patch it edits
    engine = Engine(registry)
    engine.start(started)
    try:
        engine.inject("given", "inlet", 1)
        engine.inject("default", "inlet", 2)
        assert engine.wait_idle()
        given = engine.node("given")
        edited = patch.copy()
        edited.add_node(NodeSpec("sink", "sink"))
        engine.update(edited)
        assert engine.node("given") is given
        assert given.seen == [0, 1] and engine.node("default").seen == [2]  # type: ignore[attr-defined]
        assert started.nodes["given"].params == {"seen": [0]}
        assert SeenInPlace.param_specs["seen"].default == [] and SeenInPlace("another").seen == []
    finally:
        engine.stop()


SWAPPED, RELEASE = threading.Event(), threading.Event()
LATE_SENT = {"a": threading.Event(), "b": threading.Event()}  # each loop's two late messages sent


class DeafLoop(Node):
    """Send its tag from a run_thread loop that never looks at stop_event (a plugin's slip), two more once told."""

    type_name = "deaf_loop"
    out = Output(ANY)
    tag = Param(str, "a", "what it sends")

    def start(self) -> None:
        self.run_thread(self.loop)

    def loop(self) -> None:
        late = 0
        while not RELEASE.wait(0.001):  # the test's own word, not stop_event: the slip is that it never ends
            if SWAPPED.is_set() and late < 2:
                self.emit("out", f"late-{self.tag}")
                late += 1
                if late == 2:
                    LATE_SENT[self.tag].set()


def test_a_loop_going_on_after_its_node_was_rebuilt_sends_nothing_beside_its_successor(registry: Registry) -> None:
    """A run_thread loop of a node an edit rebuilt, which never ends (it does not look at stop_event), sent on
    under the node's id: the patch got the old node's messages beside the new one's."""
    registry.register(DeafLoop, "test")
    patch = Patch()
    patch.add_node(NodeSpec("loop", "deaf_loop", {"tag": "a"}))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("loop.out", "sink.inlet")
    engine = Engine(registry)
    engine.start(patch)
    try:
        edited = patch.copy()
        edited.nodes["loop"].params["tag"] = "b"
        engine.update(edited)  # the old node is stopped before this returns
        SWAPPED.set()
        assert LATE_SENT["a"].wait(10) and LATE_SENT["b"].wait(10)  # b's too: idle before it sent, it was missed
        assert engine.wait_idle()
        received = engine.node("sink").received  # type: ignore[attr-defined]
    finally:
        RELEASE.set()
        engine.stop()
    assert "late-a" not in received
    assert "late-b" in received


def test_bad_update_keeps_the_running_plan(registry: Registry) -> None:
    engine = Engine(registry)
    patch = chain(1, count=1)
    engine.start(patch)
    broken = patch.copy()
    broken.connect("sink.inlet", "r0.inlet")
    with pytest.raises(PatchError):
        engine.update(broken)
    assert engine.plan is not None and engine.plan.version == 1
    engine.stop()


def test_stop_is_bounded(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 50, "interval": 0.0}))
    patch.add_node(NodeSpec("slow", "sink", {"delay": 0.2}))
    patch.connect("src.out", "slow.inlet")
    engine = Engine(registry)
    engine.start(patch)
    time.sleep(0.05)
    sink = engine.find_node("slow")
    clean = engine.stop(timeout=0.5)  # pytest's timeout: a hang's limit
    handled = len(sink.received)  # type: ignore[union-attr]
    assert handled < 50, handled  # it returned with the work unfinished, rather than waiting for all 10 s of it
    assert not clean  # 50 x 0.2 s of work cannot finish in 0.5 s, and stop says so


def test_events_are_published(registry: Registry) -> None:
    seen: list[Event] = []
    engine = Engine(registry)
    engine.events.subscribe(seen.append)
    engine.start(chain(1, count=3))
    assert all_sent(engine) and engine.wait_idle()
    engine.stop()
    kinds = {type(e) for e in seen}
    assert {NodeStarted, MessageHop, NodeTiming, PlanSwapped} <= kinds
    hops = [(e.node_id, e.target) for e in seen if isinstance(e, MessageHop)]
    assert hops.count(("src", "r0")) == 3 and hops.count(("r0", "sink")) == 3



def test_a_nodes_status_keeps_one_events_fields_never_two_takes_mixed(registry: Registry) -> None:
    # What an observer that joins late (the editor attaching to a running patch) copies: after a dog loaded into
    # Bass and a take skipped on locked HH, the status tells of the skipped take alone, beside the level.
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "reporter"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        for status in ({"level": 0.5, "xruns": 1}, {"take": "t1", "label": "dog", "slot": "Bass", "latency_ms": 12.0},
                       {"take": "t2", "slot": "HH", "skipped": "t2", "locked": True}, {"level": 0.25}):
            engine.inject("sampler", "inlet", status)
            engine.wait_idle()
        assert engine.status["sampler"] == {"level": 0.25, "xruns": 1, "take": "t2", "slot": "HH", "skipped": "t2",
                                            "locked": True}
    finally:
        engine.stop()

def test_unsubscribe(registry: Registry) -> None:
    seen: list[Event] = []
    engine = Engine(registry)
    unsubscribe = engine.events.subscribe(seen.append, MessageHop)
    assert engine.events.wants(MessageHop)
    unsubscribe()
    assert not engine.events.wants(MessageHop)
    engine.start(chain(1, count=3))
    engine.stop()
    assert seen == []


def test_a_node_knows_which_of_its_inputs_are_linked_as_links_change(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("a", "add_one"))
    patch.add_node(NodeSpec("b", "add_one"))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("a.outlet", "sink.inlet")
    engine = Engine(registry)
    engine.start(patch)
    sink, a = engine.node("sink"), engine.node("a")
    assert sink.is_linked("inlet") and not a.is_linked("inlet")
    edited = patch.copy()
    edited.connect("b.outlet", "a.inlet")
    engine.update(edited)
    assert a.is_linked("inlet") and engine.node("a") is a  # the same node sees the new link
    engine.stop()


class Forgetful(Node):
    """A source whose stop() forgets super().stop(), as plugin code does."""

    type_name = "forgetful"
    out = Output(ANY)

    def start(self) -> None:
        self.run_thread(self.loop)

    def loop(self) -> None:
        self.stop_event.wait()

    def stop(self) -> None:
        pass


def test_a_node_stopped_has_its_threads_told_to_end_though_its_stop_forgot_to(registry: Registry) -> None:
    # Before, a node replaced by a live edit went on emitting from its run_thread loops beside its successor.
    registry.register(Forgetful, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "forgetful"))
    engine = Engine(registry)
    engine.start(patch)
    first = engine.node("src")
    engine.update(Patch())
    assert first.stop_event.is_set()
    engine.stop()
