"""A node's run_thread loop and the runtime's stop: what such a loop sends after its node's stop goes nowhere, and
only then (a node's own attribute named like the runtime's flag once silenced it)."""

from __future__ import annotations

import threading

import pytest

from exsampling_patch import ANY, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.engine_nodes import engine_registry


@pytest.fixture
def registry() -> Registry:
    return engine_registry()


SENT = threading.Event()


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
