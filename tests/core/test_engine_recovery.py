"""A node that recovers loses its current error in the engine (its count stays), as the console and the live
editor already say: an editor that attaches after it recovered must not show the old error's badge."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError
from tests.core.engine_nodes import engine_registry


class Grumbles(Node):
    """Reports an error of its own on "bad" messages and returns, as a node tells a problem without raising."""

    type_name = "grumbles"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "bad":
            self.report_error("told, not raised")


@pytest.fixture
def registry() -> Registry:
    registry = engine_registry()
    registry.register(Grumbles, "test")
    return registry


def attached(engine: Engine) -> RuntimeObserver:
    """What an editor that attaches now shows."""
    observer = RuntimeObserver()
    observer.attach(engine)
    observer.apply()
    observer.detach()
    return observer


def test_a_message_handled_after_a_failure_clears_the_error_and_keeps_the_count(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 6}))
    patch.add_node(NodeSpec("recovers", "add_one", {"fail_on": [1, 2]}))
    patch.add_node(NodeSpec("fails_last", "add_one", {"fail_on": [5]}))
    patch.connect("src.out", "recovers.inlet")
    patch.connect("src.out", "fails_last.inlet")
    errors: list[Event] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    try:
        assert engine.wait_idle(5, settle=0.05)
        assert [e.node_id for e in errors].count("recovers") == 2
        assert set(engine.errors) == {"fails_last"} and "cannot add one to 5" in engine.errors["fails_last"]
        # the count is the history: `exsampling run`'s "nodes with errors" still names the node that recovered
        assert engine.error_counts == {"recovers": 2, "fails_last": 1}
        live = attached(engine).nodes
        assert "recovers" not in live  # no badge: it reported no status, and has no error now
        assert live["fails_last"].error is not None and "cannot add one to 5" in live["fails_last"].error
    finally:
        engine.stop()


def test_a_device_opened_again_clears_the_error(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("out", "grumbles"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        node = engine.node("out")
        # As a recorder that finds a damaged take as it starts, then listens: its first opening is no recovery.
        node.report_error("stored take unreadable")
        node.report_status(device="system", sample_rate=48000.0)
        assert engine.errors == {"out": "stored take unreadable"}
        # As a sampler's audio thread does: the device went away, then opened again, no message passing.
        node.report_error("the JACK server went away")
        node.report_status(level=0.0)  # nothing opened: still in error
        assert engine.errors == {"out": "the JACK server went away"}
        assert attached(engine).nodes["out"].error == "the JACK server went away"
        node.report_status(device="system", sample_rate=48000.0)
        assert engine.errors == {} and engine.error_counts == {"out": 2}
        assert attached(engine).nodes["out"].error is None
    finally:
        engine.stop()


def test_an_error_told_while_handling_a_message_is_kept(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("out", "grumbles"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        engine.inject("out", "inlet", "bad")
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {"out": "told, not raised"}  # its handler returned, but it told of a problem
        engine.inject("out", "inlet", "fine")
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {"out": 1}
    finally:
        engine.stop()


def test_a_device_opened_while_a_message_fails_does_not_clear_that_failure(registry: Registry) -> None:
    # The editor's rule too (test_live_status.py): a device's status from another thread says nothing of a failure
    # that is being handled now.
    patch = Patch()
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": [7]}))
    engine = Engine(registry)
    engine.start(patch)

    def meanwhile(event: Event) -> None:  # called on the worker, the failed message not finished
        engine.node("add").report_status(device="system")

    engine.events.subscribe(meanwhile, NodeError)
    try:
        engine.inject("add", "inlet", 7)
        assert engine.wait_idle(5, settle=0.05)
        assert "cannot add one to 7" in engine.errors["add"]
        assert attached(engine).nodes["add"].error is not None
    finally:
        engine.stop()
