"""A node's handover to the node an edit rebuilds it as: its failure is told on the node's id, as the edit's."""

from __future__ import annotations

from typing import Any

from exsampling_patch import TAKE, Input, Node, Param
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from tests.core.test_roll_back_plain import patch_of


class HandsOverBadly(Node):
    type_name = "t_handover_fails"
    inlet = Input(TAKE, "takes")
    level = Param(float, 1.0, "any other value rebuilds it")

    def on_inlet(self, message: Any) -> None:
        pass

    def handover(self) -> Any:
        raise ValueError("handover failed: the loaded samples are lost")


def test_an_old_nodes_failing_handover_at_a_rebuild_stands_on_its_id() -> None:
    # The old node's handover runs on the edit's thread once the new node is in the cell: taken for an old node's late
    # failure (its code named, the id's cell holding another node), it went to the console alone, no error on x.
    registry = Registry.default(entry_points=False)
    registry.register(HandsOverBadly, "test")
    engine = Engine(registry, workers=2, pin_workers=False)
    told: list[NodeError] = []
    engine.events.subscribe(told.append, NodeError)
    patch = patch_of({"x": "t_handover_fails"}, [])
    engine.start(patch)
    try:
        patch.nodes["x"].params["level"] = 2.0
        engine.update(patch)
        assert "handover failed" in engine.errors.get("x", ""), engine.errors
        assert [event.node_id for event in told] == ["x"]
    finally:
        engine.stop()
