"""The rig of the tests of one engine stopped and started again (test_engine_run_again_*): an engine of the test's node
types, patches of a few nodes, the last run's nodes kept past its stop, a handler held across the stop, and a call
made from a thread of its own (a device's, a reader's) as a node of the last run does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.waiting import wait_for


class Quiet(Node):
    """A node whose messages are none of the test's: only its context, and what it tells from a thread of its own (a
    device's, as the test does), are."""

    type_name = "t_run_again_quiet"
    inlet = Input(ANY)

    def on_inlet(self, message: object) -> None:
        """Takes it in: nothing to do."""


def quiet(node_id: str) -> Patch:
    """A patch of one :class:`Quiet` node, ``node_id``."""
    return patch_of(NodeSpec(node_id, Quiet.type_name))


def engine_of(*node_types: type[Node], workers: int = 2) -> Engine:
    """An engine of the default node types and ``node_types``, its workers not pinned."""
    registry = Registry.default(entry_points=False)
    for node_type in node_types:
        registry.register(node_type, "test")
    return Engine(registry, workers=workers, pin_workers=False)


def patch_of(*nodes: NodeSpec, links: Iterable[tuple[str, str]] = ()) -> Patch:
    """A patch of ``nodes``, each (output, input) of ``links`` connected."""
    patch = Patch()
    for node in nodes:
        patch.add_node(node)
    for output, inlet in links:
        patch.connect(output, inlet)
    return patch


def last_run_nodes(engine: Engine, patch: Patch, *node_ids: str) -> list[Any]:
    """``patch`` run on ``engine`` and stopped: its nodes ``node_ids``, kept past their run."""
    engine.start(patch)
    nodes = [engine.node(node_id) for node_id in node_ids]
    engine.stop()
    return nodes


def held_past_stop(engine: Engine, patch: Patch, node_id: str, message: Any) -> Any:
    """``patch`` run on ``engine``, whose node ``node_id`` keeps ``message`` in hand (setting its ``entered``) past
    its limit (hung) and past the engine's stop: that node, its handler still in hand."""
    engine.start(patch)
    node = engine.node(node_id)
    try:
        engine.inject(node_id, "inlet", message)
        assert node.entered.wait(10)  # type: ignore[attr-defined]
        assert wait_for(lambda: node_id in engine.hung, 10)
    finally:
        assert not engine.stop(timeout=0.2)  # its handler is still in hand
    return node


def from_its_own_thread(tell: Callable[[], object]) -> list[object]:
    """What ``tell`` returned, called on a thread of its own (as a device's thread would), joined."""
    got: list[object] = []
    thread = threading.Thread(target=lambda: got.append(tell()), name="old-device")
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return got
