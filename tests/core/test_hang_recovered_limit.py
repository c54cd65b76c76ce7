"""A handler told hung and back again: its "recovered" report names the limit it was told hung by.

Before, the report worked the limit out again as the handler came back: a node whose ``hang_after`` follows its state
(the sampler's did while its audio process had not said its rate) was told hung past one limit and back past
another, which it never had."""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeHung
from tests.waiting import wait_for


class SlowThenPatient(Node):
    """Holds its handler until ``release`` is set; its limit (``hang_after``) is whatever ``limit`` says now."""

    type_name = "t_slow_then_patient"
    inlet = Input(ANY)

    def start(self) -> None:
        self.limit = 0.2
        self.release = threading.Event()

    @property  # a limit that follows the node's state, as a plugin may declare it
    def hang_after(self) -> float:  # type: ignore[override]
        return self.limit

    def on_inlet(self, message: Any) -> None:
        self.release.wait(60)


def test_a_handler_back_from_a_hang_is_told_back_with_the_limit_it_was_told_hung_by() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(SlowThenPatient, "test")
    patch = Patch()
    patch.add_node(NodeSpec("slow", "t_slow_then_patient"))
    engine = Engine(registry, workers=1, pin_workers=False)
    told: list[NodeHung] = []
    engine.events.subscribe(told.append, NodeHung)
    engine.start(patch)
    node: Any = engine.node("slow")
    try:
        engine.inject("slow", "inlet", "a message")
        assert wait_for(lambda: bool(told), 10), "never told hung"
        node.limit = 30.0  # the node's limit now is another than the one the handler was told hung by
        node.release.set()
        assert wait_for(lambda: len(told) == 2, 10), told
    finally:
        node.release.set()
        engine.stop()
    hung, back = told
    assert (hung.recovered, hung.limit) == (False, 0.2)
    assert (back.recovered, back.limit) == (True, 0.2)
