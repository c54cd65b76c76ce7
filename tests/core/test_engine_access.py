"""What observers of a running patch read of the engine, through its public API (the CLI read its private cells)."""

from __future__ import annotations

from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.commands.run import unsent_text
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


class Reporter(Node):
    """Reports each message (a dict) as its status."""

    type_name = "reporter"
    inlet = Input(ANY)

    def on_inlet(self, message: dict[str, Any]) -> None:
        self.report_status(**message)


def test_the_stop_summary_reads_the_statuses_while_a_node_reports() -> None:
    """unsent_text looped over Engine.status while nodes could still report (a node whose stop was given up on, a
    device thread): a node's first status, stored as it read, raised "dictionary changed size during iteration"
    and the summary was lost. It reads a snapshot. The report is put at that very point by the count itself (read
    as the summary compares it), standing in for another thread's."""
    registry = Registry.default(entry_points=False)
    registry.register(Reporter, "test")
    patch = Patch()
    patch.add_node(NodeSpec("live", "reporter"))
    patch.add_node(NodeSpec("late", "reporter"))
    engine = Engine(registry, workers=1, pin_workers=False)

    class Count(int):
        def __gt__(self, other: Any) -> bool:
            engine.node("late").report_status(level=0.2)  # as if told on a device thread just now
            return int(self) > other

    engine.start(patch)
    try:
        engine.inject("live", "inlet", {"unsent": Count(2)})
        assert engine.wait_idle(5)
        assert unsent_text(engine) == "; 2 takes not sent to Live by 'live', kept for its next start"
        assert engine.status["late"] == {"level": 0.2}
    finally:
        engine.stop()
