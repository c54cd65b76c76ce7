"""One engine stopped and started again with a patch holding a node of the same id, while the last run's node still
tells from a thread of its own (a device's, a reader's) or its handler, held past the stop, returns: what it tells is
none of the new run's. Its errors and statuses landed on the new run's node of its id (an error the new node never
had; a device "opened" that ended the new node's error), and its handler's NodeTiming was published in the new run."""

from __future__ import annotations

import threading
from collections.abc import Callable

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeStatus, NodeTiming
from tests.core.test_engine_run_again_old_run import held_across_a_stop, let_go, new_engine, relay_to_sink


class Device(Node):
    """A node whose device thread reports: called from a test's thread here."""

    type_name = "t_device_again"
    inlet = Input(ANY)

    def on_inlet(self, message: object) -> None:
        """Takes it in: what it tells of a take is told from its device thread, as the test does."""


def device_patch() -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("dev", "t_device_again"))
    return patch


def from_its_own_thread(tell: Callable[[], None]) -> None:
    thread = threading.Thread(target=tell, name="old-device")
    thread.start()
    thread.join(10)
    assert not thread.is_alive()


def test_the_last_runs_node_telling_from_its_thread_lands_on_no_node_of_the_new_run() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Device, "test")
    engine = Engine(registry, workers=2, pin_workers=False)
    engine.start(device_patch())
    old = engine.node("dev")
    engine.stop()
    engine.start(device_patch())
    told: list[NodeError | NodeStatus] = []
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(told.append, NodeStatus)
    try:
        new = engine.node("dev")
        from_its_own_thread(lambda: old.report_error("the last run's device went"))
        from_its_own_thread(lambda: old.report_message_error("a take of the last run", "inlet"))
        from_its_own_thread(lambda: old.report_status(level=0.5, device="old card"))
        assert "dev" not in engine.errors and engine.error_counts == {}, engine.errors
        assert engine.status.get("dev", {}).get("device") != "old card", engine.status
        assert told == []
        from_its_own_thread(lambda: new.report_status(level=0.7))  # the new run's own still lands
        assert engine.status["dev"]["level"] == 0.7
        assert [event.node_id for event in told] == ["dev"]
    finally:
        engine.stop()


def test_the_last_runs_handler_returning_publishes_no_timing_in_the_new_run() -> None:
    engine = new_engine()
    old = held_across_a_stop(engine, "from the last run")
    timings: list[NodeTiming] = []
    engine.events.subscribe(timings.append, NodeTiming)
    try:
        engine.start(relay_to_sink())
        let_go(old)  # its worker thread ended: all it would publish is published
        assert engine.wait_idle(5, settle=0.05)
        assert timings == [], timings
    finally:
        old.opened.set()
        engine.stop()
