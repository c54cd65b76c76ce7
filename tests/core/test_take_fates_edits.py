"""What becomes of takes at the nodes a live edit removes, or adds and rolls back, while they wind down.

The node types and the engine's set-up are :mod:`tests.core.test_take_fates`'.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, cast

import numpy as np
import pytest

from exsampling_patch import TAKE, Input, Node, Output, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeError, TakeEnded
from tests.core.test_take_fates import (
    ON_START,
    RELEASE,
    Phone,
    edit_with_a_gate_that_quits,
    hold_hops_to,
    holding,
    registry,
    run,
)
from tests.waiting import wait_for

__all__ = ["registry"]  # the fixture, for these tests


class RunsHooks(Node):
    """Runs what the test put in ON_START in its start(), and starts."""

    type_name = "t_runs_hooks"

    def start(self) -> None:
        for hook in ON_START:
            hook()


class HoldsThenPasses(Node):
    """Holds each take in its handler until RELEASE is set, then passes it on."""

    type_name = "t_holds_then_passes"
    take = Input(TAKE, multiple=True)
    out = Output(TAKE)

    def start(self) -> None:
        self.entered = threading.Event()

    def on_take(self, take: Take) -> None:
        self.entered.set()
        RELEASE.wait(5)
        self.emit("out", take)


class HangsThenPasses(HoldsThenPasses):
    """As t_holds_then_passes, counted as hung soon."""

    type_name = "t_hangs_then_passes"
    hang_after = 0.3


class QuitsOnEnd(Phone):
    """A phone whose take_ended() calls sys.exit(), as a plugin may."""

    type_name = "t_phone_quits"

    def take_ended(self, ended: Any) -> None:
        super().take_ended(ended)
        sys.exit("journal gone")


@pytest.fixture(autouse=True)
def _hooks(registry: Any) -> Any:
    registry.register(RunsHooks, "test")
    registry.register(QuitsOnEnd, "test")
    registry.register(HoldsThenPasses, "test")
    registry.register(HangsThenPasses, "test")
    yield
    ON_START.clear()


def test_a_take_a_removed_source_emits_before_it_is_retired_goes_nowhere_and_is_redone(
        registry: Any, caplog: pytest.LogCaptureFixture) -> None:
    # The edit's plan runs, its added node starts, the removed phone is not stopped yet: a take uploaded now reached
    # the plan's lookup of the phone and raised KeyError in the phone's thread. Ended, the phone would write it down
    # as done and never pass it on again: it is left for the next start, which the console is told.
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    raised: list[BaseException] = []

    def upload() -> None:
        try:
            phone.push("late")
        except BaseException as error:  # what reached the phone's thread
            raised.append(error)

    def meanwhile() -> None:  # on the swap's thread: the phone's runs and is waited for
        sender = threading.Thread(target=upload)
        sender.start()
        sender.join(5)

    edit = Patch()
    for node_id, type_name in (("keep", "t_keep"), ("new", "t_runs_hooks")):
        edit.add_node(NodeSpec(node_id, type_name))
    ON_START[:] = [meanwhile]
    try:
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime.engine"):
            engine.update(edit)
        assert engine.plan is not None and engine.plan.version == 2 and "phone" not in engine.plan.node_types
        assert raised == []
        assert engine.wait_idle(5)
        assert not [e for e in events if isinstance(e, TakeEnded)] and phone.ended == []  # not written down as done
        assert len(engine.ledger) == 0 and engine.node("keep").got == []  # type: ignore[attr-defined]
        (line,) = [r.getMessage() for r in caplog.records if "late" in r.getMessage()]
        assert "node phone" in line and "again at the next start" in line
    finally:
        engine.stop()


def test_a_take_a_source_added_by_an_edit_rolled_back_emits_goes_nowhere(
        registry: Any, caplog: pytest.LogCaptureFixture) -> None:
    # An edit adds a phone and a node that quits; the plan that ran is put back. The added phone's threads, winding
    # down, emit one more take: the same KeyError, in that thread.
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    edit = edit_with_a_gate_that_quits()
    edit.add_node(NodeSpec("phone2", "t_phone"))
    edit.connect("phone2.out", "gate.take")
    added: list[Any] = []
    ON_START[:] = [lambda: added.append(engine.find_node("phone2"))]
    try:
        with pytest.raises(SystemExit):
            engine.update(edit)
        assert engine.plan is not None and engine.plan.version == 1 and added[0] is not None
        with caplog.at_level(logging.WARNING, logger="exsampling_patch.runtime.engine"):
            added[0].push("late")
        assert engine.wait_idle(5)
        assert not [e for e in events if isinstance(e, TakeEnded)] and len(engine.ledger) == 0
        assert engine.node("keep").got == []  # type: ignore[attr-defined]
        (line,) = [r.getMessage() for r in caplog.records if "late" in r.getMessage()]
        assert "node phone2" in line and "again at the next start" in line
    finally:
        engine.stop()


def test_a_source_whose_take_ended_quits_is_told_of_every_take_dropped_by_an_edit(registry: Any) -> None:
    # Its take_ended() quit on the first take the edit dropped (a SystemExit passes `except Exception`): that ended
    # _retire's drops there, the takes after it left in flight, and the SystemExit reached update()'s caller; on a
    # worker thread, it ended the thread.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h.take"], {"phone": "t_phone_quits", "h": "t_hang"})
    engine.retire_wait = 0.0  # at once: the message in hand is held until the rest is dropped
    edit = Patch()
    edit.add_node(NodeSpec("phone", "t_phone_quits"))
    failed: list[BaseException] = []

    def update() -> None:
        try:
            engine.update(edit)
        except BaseException as error:  # what reached the editor's thread
            failed.append(error)

    try:
        phone: Any = engine.node("phone")
        hang: Any = engine.node("h")
        hang.hang_after = 30.0  # not hung: the message in hand is waited for
        cell = engine._cells["h"]
        phone.push("held")
        assert hang.entered.wait(5)
        phone.push("q1")
        phone.push("q2")  # both queued at h behind "held"
        swap = threading.Thread(target=update)
        swap.start()
        deadline = time.monotonic() + 5
        while cell.started and time.monotonic() < deadline:
            time.sleep(0.002)
        RELEASE.set()
        swap.join(5)
        assert not swap.is_alive() and failed == []
        assert engine.plan is not None and engine.plan.version == 2
        ended = [(e.take_id, e.fate) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "done"), ("q1", "dropped"), ("q2", "dropped")]
        assert [e.take_id for e in phone.ended] == ["held", "q1", "q2"] and len(engine.ledger) == 0
        errors = [(e.node_id, e.error, e.during) for e in events if isinstance(e, NodeError)]
        assert errors == [("phone", "SystemExit: journal gone", "take_ended")] * 3
        assert engine.error_counts["phone"] == 3  # "held"'s on the worker that handled it, the drops' on update()'s
    finally:
        RELEASE.set()
        engine.stop()


def updating(engine: Any, edit: Patch) -> tuple[threading.Thread, list[BaseException]]:
    """update() on a thread of its own, as the editor's swap: (the thread, what escaped it)."""
    escaped: list[BaseException] = []

    def update() -> None:
        try:
            engine.update(edit)
        except BaseException as error:  # what reached the editor's thread
            escaped.append(error)

    swap = threading.Thread(target=update)
    swap.start()
    return swap, escaped


def test_a_take_injected_at_a_node_an_edit_removes_meanwhile_is_told_dropped(registry: Any) -> None:
    # inject() looked the node up twice: removed by an edit in between (a performer's button pressed as the edit
    # went in), the second lookup raised KeyError in the editor's thread after the take was counted: it stayed in
    # flight until the next start. Delivered to the removed node's closed cell, it ends as any take left there.
    engine, events = run(registry, [], {"phone": "t_phone", "gone": "t_keep"})
    held, go = hold_hops_to(engine, "gone")  # the button's thread, between its hop and the delivery
    edit = Patch()
    edit.add_node(NodeSpec("phone", "t_phone"))
    raised: list[BaseException] = []

    def press() -> None:
        try:
            take = Take(np.full(480, 0.1, np.float32), 48000, take_id="b1", source="Bo")
            engine.inject("gone", "take", take, source="editor")
        except BaseException as error:  # what reached the editor's thread
            raised.append(error)

    button = threading.Thread(target=press)
    try:
        button.start()
        assert held.wait(5)
        engine.update(edit)
        go.set()
        button.join(5)
        assert raised == []
        ended = [(e.take_id, e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("b1", "dropped", "gone", "dropped with node gone: removed by an edit")]
        assert len(engine.ledger) == 0
    finally:
        go.set()
        engine.stop()


@pytest.mark.parametrize(("links", "end"), [
    # keep has q1 too: the take was delivered, its copy queued at h dropped with it is said after that.
    (["phone.out -> keep.take", "phone.out -> h.take"],
     ("done", "keep", "done (keep); a copy dropped with node h: removed by an edit")),
    # p passed its q1 on to h: nothing of the take reached an end, so it was dropped.
    (["phone.out -> p.take", "p.out -> h.take"], ("dropped", "h", "dropped with node h: removed by an edit")),
])
def test_a_take_delivered_on_one_branch_is_done_though_an_edit_drops_its_copy(
        registry: Any, links: list[str], end: tuple[str, str, str]) -> None:
    # The copy an edit dropped ranked above the take's delivery: the console, the show log and the phone said
    # "dropped" for a take that keep (a writer, a sampler's input) had got.
    RELEASE.clear()
    nodes = {"phone": "t_phone", "keep": "t_keep", "p": "t_pass", "h": "t_hang"}
    engine, events = run(registry, links, {n: t for n, t in nodes.items() if any(n + "." in link for link in links)})
    engine.retire_wait = 0.0  # at once: what is queued at h behind the message in hand is dropped
    edit = Patch()
    for node_id in engine.plan.node_types if engine.plan is not None else ():
        if node_id != "h":
            edit.add_node(NodeSpec(node_id, nodes[node_id]))
    try:
        phone: Any = engine.node("phone")
        hang: Any = engine.node("h")
        hang.hang_after = 30.0  # not hung: the message in hand is waited for
        cell = engine._cells["h"]
        phone.push("held")
        assert hang.entered.wait(5)
        phone.push("q1")  # queued at h behind "held"
        assert wait_for(lambda: len(cell.inbox) == 1, 5)
        swap, escaped = updating(engine, edit)
        assert wait_for(lambda: not cell.started, 5)  # the swap takes no more messages from h's queue
        RELEASE.set()
        swap.join(5)
        assert not swap.is_alive() and escaped == [] and engine.wait_idle(5)
        ended = {e.take_id: (e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)}
        assert len([e for e in events if isinstance(e, TakeEnded)]) == 2  # once each
        assert ended["q1"] == end
        assert ended["held"][0] == "done"  # the one in hand was handled
        assert sorted(e.take_id for e in phone.ended) == ["held", "q1"] and len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


def test_a_rolled_back_edit_hands_each_emit_back_once_though_two_of_its_nodes_had_it(registry: Any) -> None:
    # The edit's two gates both got each of the phone's emits: the plan that ran sends each on to keep once. The
    # same take object emitted twice is two emits: handed back twice (the hand-back tells copies apart by identity).
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    again = Take(np.full(480, 0.1, np.float32), 48000, take_id="t2", source="Ana")

    def meanwhile() -> None:  # neither gate started yet: all is queued at both
        phone.push("t1")
        phone.emit("out", again)
        phone.emit("out", again)

    edit = edit_with_a_gate_that_quits()
    edit.add_node(NodeSpec("gate2", "t_pass"))
    for link in ("phone.out -> gate2.take", "gate2.out -> keep.take", "gate2.out -> quitter.take"):
        edit.connect(*link.split(" -> "))
    ON_START[:] = [meanwhile]
    try:
        with pytest.raises(SystemExit):
            engine.update(edit)
        assert engine.plan is not None and engine.plan.version == 1 and engine.wait_idle(5)
        assert [take.take_id for take in engine.node("keep").got] == ["t1", "t2", "t2"]  # type: ignore[attr-defined]
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert sorted(ended) == [("t1", "done", "keep"), ("t2", "done", "keep")] and len(engine.ledger) == 0
    finally:
        engine.stop()


def test_a_take_in_hand_at_a_removed_node_that_it_passes_on_goes_by_its_old_link(registry: Any) -> None:
    # The edit waits for the message in hand at a removed node; what the handler passes on then followed the edited
    # plan, which has no links from the node: the take reached nothing (it ended 'done (h)' though, later 'dropped
    # with node h'). It follows the node's links in the plan that ran, to keep, still here.
    with holding(registry, ["phone.out -> h.take", "h.out -> keep.take"],
                 {"phone": "t_phone", "h": "t_holds_then_passes", "keep": "t_keep"}) as (engine, events):
        edit = Patch()
        for node_id, type_name in (("phone", "t_phone"), ("keep", "t_keep")):
            edit.add_node(NodeSpec(node_id, type_name))
        phone: Any = engine.node("phone")
        holder: Any = engine.node("h")
        phone.push("held")
        assert holder.entered.wait(5)
        cell = engine._cells["h"]
        swap = threading.Thread(target=engine.update, args=(edit,))
        swap.start()
        deadline = time.monotonic() + 5
        while cell.started and time.monotonic() < deadline:  # the edit has swapped the plan, and retires h
            time.sleep(0.002)
        RELEASE.set()
        swap.join(5)
        assert not swap.is_alive() and engine.wait_idle(5)
        ended = [(e.take_id, e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
        assert [e.take_id for e in phone.ended] == ["held"] and len(engine.ledger) == 0


def test_a_take_an_added_node_passes_on_after_its_edit_rolled_back_is_told_dropped(registry: Any) -> None:
    # A hung handler of a node an edit added comes back after the roll-back: what it passes on follows the plan put
    # back, which has no such node. It ended 'done (h2)', though it reached nothing.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    edit = Patch()
    for node_id, type_name in (("quitter", "t_quits_after"), ("phone", "t_phone"), ("keep", "t_keep"),
                               ("h2", "t_hangs_then_passes")):
        edit.add_node(NodeSpec(node_id, type_name))
    edit.connect("phone.out", "h2.take")
    edit.connect("h2.out", "keep.take")

    def meanwhile() -> None:
        phone.push("held")
        assert cast(HangsThenPasses, engine.find_node("h2")).entered.wait(5)

    ON_START[:] = [meanwhile]
    try:
        swap, escaped = updating(engine, edit)
        swap.join(5)
        assert not swap.is_alive() and [type(error) for error in escaped] == [SystemExit]
        assert engine.plan is not None and engine.plan.version == 1 and "h2" in engine.hung
        RELEASE.set()  # the handler comes back and passes its take on
        assert wait_for(lambda: len(phone.ended) == 1, 5)
        ended = [(e.take_id, e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "dropped", "h2", "dropped with node h2: the edit that added it was not swapped in")]
        assert engine.node("keep").got == [] and len(engine.ledger) == 0  # type: ignore[attr-defined]
    finally:
        RELEASE.set()
        engine.stop()


def test_a_removed_source_is_told_the_ends_of_its_takes_still_in_flight(registry: Any) -> None:
    # An edit removed the phone while its take was at h: the take went on to keep and its end was told, but not to
    # the phone, whose cell was gone: a source that stores its takes never wrote it down as done and passed it on
    # again at the next start, though it had reached its end.
    with holding(registry, ["phone.out -> h.take", "h.out -> keep.take"],
                 {"phone": "t_phone", "h": "t_holds_then_passes", "keep": "t_keep"}) as (engine, events):
        edit = Patch()
        for node_id, type_name in (("h", "t_holds_then_passes"), ("keep", "t_keep")):
            edit.add_node(NodeSpec(node_id, type_name))
        edit.connect("h.out", "keep.take")
        phone: Any = engine.node("phone")
        phone.push("held")
        assert engine.node("h").entered.wait(5)  # type: ignore[attr-defined]
        engine.update(edit)
        assert engine.find_node("phone") is None
        RELEASE.set()
        assert engine.wait_idle(5)
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "done", "keep")]
        assert [(e.take_id, e.fate) for e in phone.ended] == [("held", "done")] and len(engine.ledger) == 0
