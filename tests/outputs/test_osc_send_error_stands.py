"""osc_send in a running engine, on real UDP: a target whose sends fail is told once and the node stays in that
error while they fail, whatever it handles meanwhile; the first send that goes ends it.

Before, the node told its error at each message that did not go (the engine ended a handler's error at the next
message handled without one, and the error dropped about): a MIDI stream into a dead target put one error line a
message in the show log, and the editor's count of the node's errors climbed at the message rate."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import mido
import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.events import NodeError, NodeRecovered, NodeStatus

# Linux refuses a UDP send to the broadcast address from a socket without SO_BROADCAST (EACCES): a real send error
REFUSED = "255.255.255.255"
# A control's name this long makes a datagram past UDP's largest (EMSGSIZE): a real send error to a live target
TOO_LONG = "x" * 70000


class Watched:
    """An engine running one osc_send ``tx``, with the events it published."""

    def __init__(self, host: str, port: int, folder: str) -> None:
        self.told: list[NodeError] = []
        self.back: list[NodeRecovered] = []
        self.statuses: list[NodeStatus] = []
        patch = Patch()
        patch.add_node(NodeSpec("tx", "osc_send", {"host": host, "port": port, "folder": folder}))
        self.engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
        self.engine.events.subscribe(self.told.append, NodeError)
        self.engine.events.subscribe(self.back.append, NodeRecovered)
        self.engine.events.subscribe(self.statuses.append, NodeStatus)
        self.engine.start(patch)

    def send(self, message: Any) -> None:
        self.engine.inject("tx", "message", message)
        assert self.engine.wait_idle(10)


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    yield sock
    sock.close()


def test_a_midi_stream_into_a_refusing_target_is_one_error_that_stands(tmp_path: Any) -> None:
    watched = Watched(REFUSED, 9, str(tmp_path / "osc"))
    try:
        for note in range(60, 72):
            watched.send(mido.Message("note_on", note=note, velocity=100))
            assert f"OSC to {REFUSED}:9 failed" in watched.engine.errors.get("tx", ""), note  # in error throughout
        assert watched.engine.error_state()["tx"].told == 1
    finally:
        watched.engine.stop()
    assert len(watched.told) == 1 and watched.told[0].about == "port", watched.told
    assert watched.back == []


def test_the_first_send_that_goes_ends_the_error(tmp_path: Any, receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    watched = Watched("127.0.0.1", port, str(tmp_path / "osc"))
    try:
        for _ in range(5):
            watched.send(ControlValue(TOO_LONG, 1.0))
            assert "too long" in watched.engine.errors.get("tx", ""), watched.engine.errors
        assert len(watched.told) == 1 and watched.back == []
        watched.send(ControlValue("cutoff", 0.5))
        assert receiver.recv(65536).startswith(b"/exsampling/control/cutoff\0")
        assert "tx" not in watched.engine.errors
        assert [event.how for event in watched.back] == ["opened"]
        assert [event.back for event in watched.statuses if "port" in event.status] == [True]
        watched.send(ControlValue(TOO_LONG, 1.0))  # failing again after it went: a new error, told once
        watched.send(ControlValue(TOO_LONG, 1.0))
        assert "too long" in watched.engine.errors.get("tx", "")
    finally:
        watched.engine.stop()
    assert len(watched.told) == 2 and watched.engine.error_counts["tx"] == 2
