"""A newcomer's mistakes in a node type that only show when the patch runs: each is told on its node, with where,
and the rest of the patch goes on."""

from __future__ import annotations

import inspect
import time
from typing import Any

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError
from tests.core.engine_nodes import engine_registry


class NoSuperInit(Node):
    """Sets up its own state but forgets ``super().__init__``."""

    type_name = "no_super_init"
    inlet = Input(ANY)
    outlet = Output(ANY)

    def __init__(self, node_id: str, params: Any = None, context: Any = None) -> None:
        self.seen = 0

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)


def test_an_init_without_super_is_told_and_the_patch_goes_on() -> None:
    # Before, the node was built as it was: the worker that took up its first message raised on its missing
    # node_id, outside any handler, and died with a bare traceback; the takes queued at it were stuck.
    registry: Registry = engine_registry()
    registry.register(NoSuperInit, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 6}))
    patch.add_node(NodeSpec("mine", "no_super_init"))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "mine.inlet")
    patch.connect("mine.outlet", "sink.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry, workers=2)
    engine.events.subscribe(errors.append, NodeError)  # type: ignore[arg-type]
    engine.start(patch)
    time.sleep(0.1)
    assert engine.wait_idle(5, settle=0.05)
    received = engine.node("sink").received  # type: ignore[attr-defined]
    engine.stop()
    assert received == [0, 1, 2, 3, 4, 5]  # bypassed, as a node whose constructor raised
    (error,) = errors
    assert error.node_id == "mine" and error.during == "__init__"
    assert "NoSuperInit.__init__ did not call super().__init__(node_id, params, context)" in error.error
    line = inspect.getsourcelines(NoSuperInit.__init__)[1]
    assert error.where == f"{__file__}:{line} in __init__"
