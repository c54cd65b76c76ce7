"""What observers of a running patch read of the engine, through its public API (the CLI read its private cells)."""

from __future__ import annotations

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine


def test_find_node_gives_the_live_instance_or_none() -> None:
    # `exsampling run` read engine._cells for this, and checked, then asked: a race with a live edit.
    patch = Patch()
    patch.add_node(NodeSpec("r", "relay"))
    engine = Engine(Registry.default(entry_points=False), workers=2, pin_workers=False)
    assert engine.find_node("r") is None  # not built yet
    engine.start(patch)
    try:
        assert engine.find_node("r") is engine.node("r")
        assert engine.find_node("nope") is None
    finally:
        engine.stop()
    assert engine.find_node("r") is None
