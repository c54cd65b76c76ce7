"""A take sent to Live with no label (an assignment straight from a slot map with no class, a take played in by
hand) leaves ``label=""`` in the Live output's status: the line read "  |  slot HH", an empty part first. The node
line takes an empty label for none."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

from .helpers import sine_take


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.mark.parametrize("kind", ["ableton_max", "ableton_live"])
def test_a_take_with_no_label_reads_as_its_slot_alone(tmp_path: Path, receiver: socket.socket, kind: str) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("out", kind, {"port": receiver.getsockname()[1], "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    observer = RuntimeObserver()
    engine.events.subscribe(observer.on_event, *observer.KINDS)
    engine.start(patch)
    try:
        engine.inject("out", "assignment", SlotAssignment("HH", sine_take(220.0, seconds=0.05), label="dog"))
        engine.inject("out", "assignment", SlotAssignment("HH", sine_take(330.0, seconds=0.05)))
        assert engine.wait_idle(5, settle=0.05)
        receiver.settimeout(10.0)
        assert receiver.recv(65536)  # the takes went
        observer.apply()
        assert live_text(observer.nodes["out"]) == "slot HH"
    finally:
        engine.stop()
