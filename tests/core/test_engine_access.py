"""What observers of a running patch read of the engine, through its public API (the CLI read its private cells)."""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.commands.run import unsent_counts, unsent_text
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
        assert unsent_text(unsent_counts(engine)) == "; 2 takes not sent to Live by 'live', kept for its next start"
        assert engine.status["late"] == {"level": 0.2}
    finally:
        engine.stop()


def test_two_threads_reporting_at_once_keep_both_reports() -> None:
    """A node may report from two threads at once (the sampler's worker tells a slot while its device reader tells
    the device): each read the status, merged and stored it, so the one stored second dropped the first's fields.
    Here the second report is made from another thread at the moment the first has read the status."""
    registry = Registry.default(entry_points=False)
    registry.register(Reporter, "test")
    patch = Patch()
    patch.add_node(NodeSpec("dev", "reporter"))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        node = engine.node("dev")
        other = threading.Thread(target=lambda: node.report_status(device="system"))

        class ReadThenOther(dict):
            armed = True

            def get(self, key: Any, default: Any = None) -> Any:
                found = super().get(key, default)
                if self.armed and threading.current_thread() is not other:
                    self.armed = False
                    other.start()
                    other.join(timeout=1)  # with the fix it waits for this report to be stored: not joined here
                return found

        engine.status = ReadThenOther(engine.status)
        node.report_status(slot="HH")
        other.join(timeout=10)
        assert not other.is_alive()
        assert engine.status["dev"] == {"slot": "HH", "device": "system"}
    finally:
        engine.stop()
