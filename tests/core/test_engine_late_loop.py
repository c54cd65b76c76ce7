"""A node's run_thread loop and the runtime's stop: what such a loop sends after its node's stop goes nowhere, and
only then (a node's own attribute named like the runtime's flag once silenced it)."""

from __future__ import annotations

import functools
import logging
import threading

import numpy as np
import pytest

from exsampling_patch import ANY, TAKE, Node, Output, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeStatus, TakeEnded
from tests.core.engine_nodes import engine_registry


@pytest.fixture
def registry() -> Registry:
    return engine_registry()


SENT = threading.Event()


BUSY, RELEASE = threading.Event(), threading.Event()


class MidWork(Node):
    """A source whose loop looks at stop_event, but is mid-work at the stop (a big file read, a message popped before
    it was delivered) until the test lets it go, then sends its take."""

    type_name = "mid_work"
    out = Output(TAKE)

    def start(self) -> None:
        self.run_thread(self.loop)

    def loop(self) -> None:
        while not self.stop_event.is_set():
            BUSY.set()
            RELEASE.wait(30)
            self.emit("out", Take(np.zeros((480, 1), np.float32), 48000, take_id="late-take", source="src"))
            return


class OwnStopped(Node):
    """A plugin-style source that keeps its own ``_stopped`` (as the pattern does: its transport stopped) and sends
    while it is true."""

    type_name = "own_stopped"
    out = Output(ANY)

    def start(self) -> None:
        self._stopped = True
        self.run_thread(self.loop)

    def loop(self) -> None:
        self.emit("out", "sent while its own _stopped is true")
        SENT.set()


def run_into_sink(registry: Registry, node_type: str) -> tuple[Engine, Patch]:
    patch = Patch()
    patch.add_node(NodeSpec("src", node_type))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "sink.inlet")
    engine = Engine(registry)
    engine.start(patch)
    return engine, patch


def test_a_node_with_its_own_stopped_attribute_still_sends(registry: Registry) -> None:
    """The runtime's flag for a stopped node was Node._stopped: a node's own _stopped (a pattern's, its transport
    stopped) being true dropped every message its loop sent, untold."""
    registry.register(OwnStopped, "test")
    engine, _ = run_into_sink(registry, "own_stopped")
    try:
        assert SENT.wait(10)
        assert engine.wait_idle(5)
        received = engine.node("sink").received  # type: ignore[attr-defined]
    finally:
        engine.stop()
    assert received == ["sent while its own _stopped is true"]


def test_a_take_a_loop_sends_past_its_node_s_stop_reaches_a_told_end(
        registry: Registry, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A loop mid-work past stop()'s wait for it sent its take after the stop: dropped with no end told, the only
    word a library log line blaming a loop deaf to stop_event."""
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)  # the stop gives up on the loop soon
    registry.register(MidWork, "test")
    ends: list[TakeEnded] = []
    ended = threading.Event()
    patch = Patch()
    patch.add_node(NodeSpec("src", "mid_work"))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "sink.inlet")
    engine = Engine(registry)

    def end(event: TakeEnded) -> None:
        ends.append(event)
        ended.set()

    engine.events.subscribe(end, TakeEnded)
    engine.start(patch)
    try:
        assert BUSY.wait(10)
    finally:
        with caplog.at_level(logging.WARNING):
            engine.stop()
            RELEASE.set()
            assert ended.wait(10)
    [told] = ends
    assert (told.take_id, told.node_id, told.source, told.fate) == ("late-take", "src", "src", "dropped")
    assert told.reason == "not passed on: its node was stopping"
    assert "was still running when the node stopped (busy past the wait of its stop" in caplog.text


AGAIN_BUSY, AGAIN_RELEASE, AGAIN_SENT = threading.Event(), threading.Event(), threading.Event()


class SendsAgain(Node):
    """A source that sends take 'once' (it ends at the sink), then, mid-work past its stop, sends 'once' again and a
    new take 'late' twice (as on two outputs, or a retry)."""

    type_name = "sends_again"
    out = Output(TAKE)

    def start(self) -> None:
        self.run_thread(self.loop)

    def loop(self) -> None:
        def take(take_id: str) -> Take:
            return Take(np.zeros((480, 1), np.float32), 48000, take_id=take_id, source="src")

        self.emit("out", take("once"))
        AGAIN_BUSY.set()
        AGAIN_RELEASE.wait(30)
        for take_id in ("once", "late", "late"):
            self.emit("out", take(take_id))
        AGAIN_SENT.set()


def test_a_take_sent_again_past_its_node_s_stop_is_not_ended_again(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each take a loop sent past its node's stop was told 'not passed on', though it had ended in the run (a take in
    a slot then showed as dropped in the editor, and the summary counted it twice), and once a send."""
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)
    registry.register(SendsAgain, "test")
    ends: list[TakeEnded] = []
    patch = Patch()
    patch.add_node(NodeSpec("src", "sends_again"))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "sink.inlet")
    engine = Engine(registry)
    engine.events.subscribe(ends.append, TakeEnded)
    engine.start(patch)
    try:
        assert AGAIN_BUSY.wait(10) and engine.wait_idle(5)
    finally:
        engine.stop()
        AGAIN_RELEASE.set()
        assert AGAIN_SENT.wait(10)
    assert [(end.take_id, end.fate) for end in ends] == [("once", "done"), ("late", "dropped")], ends


DEAF_RUNNING, DEAF_RELEASE = threading.Event(), threading.Event()


class Deaf(Node):
    """A source whose loop never looks at stop_event (it waits on something else of its own)."""

    type_name = "deaf"
    out = Output(TAKE)

    def start(self) -> None:
        self.run_thread(self.loop)

    def loop(self) -> None:
        DEAF_RUNNING.set()
        DEAF_RELEASE.wait(30)


def test_a_loop_still_running_when_its_node_stopped_is_told_on_the_node(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop deaf to stop_event held the stop its 2 s and went on sending meanwhile; the only word was a log line at
    its first send after the stop, and a run that ended there (`exsampling run --for`) said nothing. The node now
    warns, with the line of its code the loop is on."""
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)
    registry.register(Deaf, "test")
    warnings: list[str] = []
    engine, _ = run_into_sink(registry, "deaf")
    engine.events.subscribe(lambda event: warnings.append(event.status.get("warning", "")), NodeStatus)
    try:
        assert DEAF_RUNNING.wait(10)
    finally:
        engine.stop()
        DEAF_RELEASE.set()
    line = Deaf.loop.__code__.co_firstlineno + 2
    assert warnings == ["its loop on thread src-source was still running when the node stopped (busy past the 0.05 s "
                        "its stop waits, or not looking at self.stop_event): what it sends from now on goes nowhere "
                        f"(at {__file__}:{line} in loop)"]


SHARE_RUNNING, SHARE_RELEASE = threading.Event(), threading.Event()


class OnAShare(Node):
    """A source whose loop is no code of its own type (as a built-in's is none of a plugin's): it waits, deaf to
    stop_event, as a read from a share that does not answer does."""

    type_name = "on_a_share"
    out = Output(TAKE)

    def start(self) -> None:
        SHARE_RUNNING.set()
        # A partial of a library call, not a method: no line of this node's code is on the thread's stack.
        self.run_thread(functools.partial(SHARE_RELEASE.wait, 30))  # type: ignore[arg-type]  # its bool unused


def test_a_loop_with_no_line_of_its_node_s_code_still_running_at_its_stop_is_told_in_words(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """A built-in node's loop still running at its stop (a folder source on a share that does not answer) has no
    plugin line to show: it was only logged, at its first send after the stop if it sent, and the console said
    nothing of which node did not stop. It is now told on the node, in a performer's words."""
    monkeypatch.setattr("exsampling_patch.node.STOP_JOIN_SECONDS", 0.05)
    registry.register(OnAShare, "test")
    warnings: list[tuple[str, str]] = []
    engine, _ = run_into_sink(registry, "on_a_share")
    engine.events.subscribe(lambda event: warnings.append((event.node_id, event.status.get("warning", ""))),
                            NodeStatus)
    try:
        assert SHARE_RUNNING.wait(10)
    finally:
        engine.stop()
        SHARE_RELEASE.set()
    assert warnings == [("src", "did not stop in time: still busy 0.05 s after it was told to stop (waiting on a "
                                "device, a file or a share that does not answer?); what it sends from now on goes "
                                "nowhere")]
