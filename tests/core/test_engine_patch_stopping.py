"""``NodeContext.patch_stopping``: a node asks, in its ``stop()`` (or a thread its stop ends), whether the whole patch
stops or an edit stops it alone. The sampler keeps a take whose wait its stop ended open past the run's stop, and
hands it to its successor at an edit's (nodes/sampler/assign.py); it read the engine's private flag to tell."""

from __future__ import annotations

from typing import Any

from exsampling_patch import ANY, Input, Node, Param
from exsampling_patch.context import NodeContext
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

#: (node id, its ``gain``, what patch_stopping said) for each stop() and each message handled, in order
SEEN: list[tuple[str, float, bool]] = []


class Asks(Node):
    type_name = "t_asks_patch_stopping"
    inlet = Input(ANY)
    gain = Param(float, 1.0, "changed by an edit: the node is rebuilt")

    def on_inlet(self, message: Any) -> None:
        SEEN.append((self.node_id, self.gain, self.context.patch_stopping))

    def stop(self) -> None:
        SEEN.append((self.node_id, self.gain, self.context.patch_stopping))
        super().stop()


def a_patch(gain: float) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("asks", "t_asks_patch_stopping", {"gain": gain}))
    return patch


def test_a_node_is_told_the_patch_stops_at_the_runs_stop_and_not_at_an_edits() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Asks, "test")
    engine = Engine(registry, workers=1, pin_workers=False)
    SEEN.clear()
    engine.start(a_patch(1.0))
    try:
        engine.inject("asks", "inlet", "running")
        assert engine.wait_idle(10)
        assert engine.update(a_patch(0.5)) is not None  # rebuilt: the old node's stop is an edit's
        engine.inject("asks", "inlet", "edited")
        assert engine.wait_idle(10)
    finally:
        engine.stop()
    assert SEEN == [("asks", 1.0, False), ("asks", 1.0, False), ("asks", 0.5, False), ("asks", 0.5, True)]
    engine.start(a_patch(0.5))  # a new run: no longer stopping
    try:
        engine.inject("asks", "inlet", "again")
        assert engine.wait_idle(10)
        assert SEEN[-1] == ("asks", 0.5, False)
    finally:
        engine.stop()


def test_a_node_built_without_a_runtime_is_never_told_the_patch_stops() -> None:
    node = Asks("asks", {}, NodeContext())
    node.start()
    node.stop()
    assert not node.context.patch_stopping
