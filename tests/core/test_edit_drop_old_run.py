"""A take dropped with a node an edit removed, by a sender that read the plan before the edit (its delivery comes to
the node's closed queue): its end is told on the sender's thread, where an observer may stop and start the engine
again ("take done: next set"). The drop counted the take off with no run (divert.py's _close_retired; so did the
diversion's hand-on and the roll-back's hand-back): the end, told on once the observer returned, went to the new run's
source of its id, which writes it down as done. Real engine; the sender is held in its hop's observer with events,
never a sleep (as test_engine_run_gate_same_thread does for a take that ends as it begins)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import TakeEnded, run_gate
from exsampling_patch.runtime.engine import EngineNotReady
from exsampling_patch.runtime.events import MessageHop
from tests.core.run_again import engine_of, from_its_own_thread, patch_of
from tests.core.test_engine_run_again_old_takes import a_take
from tests.core.test_engine_run_gate import TellingSource
from tests.waiting import wait_for


class Sink(Node):
    type_name = "t_drop_sink"
    take = Input(ANY)

    def start(self) -> None:
        self.got: list[Any] = []

    def on_take(self, message: Any) -> None:
        self.got.append(message)


ON_START: list[Callable[[], None]] = []  # what a t_drop_quits runs in its start() before it quits


class Quits(Node):
    """Runs what the test put in ON_START in its start(), then calls sys.exit(), as a plugin may: the edit that
    added it is rolled back."""

    type_name = "t_drop_quits"

    def start(self) -> None:
        for hook in ON_START:
            hook()
        sys.exit("no device")


def lone_source() -> Patch:
    return patch_of(NodeSpec("src", TellingSource.type_name))


def test_a_take_dropped_with_a_removed_node_is_not_told_to_the_source_of_a_run_started_on_its_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 0.5)  # no other act is in hand: start() waits for none
    engine = engine_of(TellingSource, Sink)
    engine.start(patch_of(NodeSpec("src", TellingSource.type_name), NodeSpec("r", Sink.type_name),
                          links=[("src.out", "r.take")]))
    src: Any = engine.node("src")
    held, release = threading.Event(), threading.Event()
    restarted: list[object] = []
    ends: list[TakeEnded] = []

    def hold_the_hop_to_r(hop: MessageHop) -> None:
        """On the sender's thread, its routes read, before it delivers to 'r': held until 'r' is removed."""
        if hop.target == "r" and not held.is_set():
            held.set()
            release.wait(60)

    def restart_on_end(ended: TakeEnded) -> None:
        if ended.take_id == "t1" and not restarted:
            ends.append(ended)
            engine.stop(timeout=1)
            try:
                engine.start(lone_source())
                restarted.append(threading.get_ident())
            except EngineNotReady as error:
                restarted.append(error)

    def send_t1() -> int:
        src.emit("out", a_take("t1"))
        return threading.get_ident()

    engine.events.subscribe(hold_the_hop_to_r, MessageHop)
    engine.events.subscribe(restart_on_end, TakeEnded)
    sender = threading.Thread(target=lambda: sent_on.extend(from_its_own_thread(send_t1)), name="sender")
    sent_on: list[object] = []
    sender.start()
    try:
        assert held.wait(30)
        engine.update(lone_source())  # r removed: its queue closed, what comes late is dropped with it
        release.set()
        sender.join(30)
        assert not sender.is_alive()
        assert [end.reason for end in ends] == ["dropped with node r: removed by an edit"], ends
        assert restarted == sent_on, "start() on the sender's own thread did not start"
        new_src: Any = engine.node("src")
        assert new_src is not src and new_src.ended == [], "the old end was told to the new run's source"
    finally:
        release.set()
        engine.stop()


def test_a_take_handed_back_late_by_a_rolled_back_edit_is_not_told_to_the_source_of_a_run_started_on_its_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for the roll-back's hand-back (rollback.py): src's emit reaches sink, then x, which the edit added; the
    edit rolls back (q quits), and the copy for x, delivered late, is counted off there, the take's last message."""
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 0.5)
    engine = engine_of(TellingSource, Sink, Quits)
    engine.start(patch_of(NodeSpec("src", TellingSource.type_name), NodeSpec("sink", Sink.type_name),
                          links=[("src.out", "sink.take")]))
    src: Any = engine.node("src")
    held, release = threading.Event(), threading.Event()
    restarted: list[object] = []
    sent_on: list[object] = []

    def hold_the_hop_to_x(hop: MessageHop) -> None:
        if hop.target == "x" and not held.is_set():
            held.set()
            release.wait(60)

    def restart_on_end(ended: TakeEnded) -> None:
        if ended.take_id == "t1" and not restarted:
            engine.stop(timeout=1)
            try:
                engine.start(lone_source())
                restarted.append(threading.get_ident())
            except EngineNotReady as error:
                restarted.append(error)

    def send_t1() -> int:
        src.emit("out", a_take("t1"))
        return threading.get_ident()

    sender = threading.Thread(target=lambda: sent_on.extend(from_its_own_thread(send_t1)), name="sender")

    def send_while_the_edit_starts() -> None:
        """In q's start, the edit's routes in place: src sends t1 to sink (handled), then to x (held)."""
        sender.start()
        assert held.wait(30)
        sink: Any = engine.node("sink")
        assert wait_for(lambda: [take.take_id for take in sink.got] == ["t1"], 30)

    engine.events.subscribe(hold_the_hop_to_x, MessageHop)
    engine.events.subscribe(restart_on_end, TakeEnded)
    ON_START.append(send_while_the_edit_starts)
    try:
        with pytest.raises(SystemExit):
            engine.update(patch_of(NodeSpec("src", TellingSource.type_name), NodeSpec("sink", Sink.type_name),
                                   NodeSpec("x", Sink.type_name), NodeSpec("q", Quits.type_name),
                                   links=[("src.out", "sink.take"), ("src.out", "x.take")]))
        release.set()  # x's copy is delivered to x, rolled back: handed back, counted off there
        sender.join(30)
        assert not sender.is_alive()
        assert restarted == sent_on, "start() on the sender's own thread did not start"
        new_src: Any = engine.node("src")
        assert new_src is not src and new_src.ended == [], "the old end was told to the new run's source"
    finally:
        ON_START.clear()
        release.set()
        engine.stop()
