"""One engine stopped and started again with a patch holding a node of the same id, while the last run's node still
tells from a thread of its own (a device's, a reader's) or its handler, held past the stop, returns: what it tells is
none of the new run's. Its errors and statuses landed on the new run's node of its id (an error the new node never
had; a device "opened" that ended the new node's error), and its handler's NodeTiming was published in the new run."""

from __future__ import annotations

from exsampling_patch.runtime import NodeError, NodeStatus, NodeTiming
from tests.core.run_again import Quiet, engine_of, from_its_own_thread, last_run_nodes, quiet
from tests.core.test_engine_run_again_old_run import held_over_a_stop, let_go, relay_to_sink


def test_the_last_runs_node_telling_from_its_thread_lands_on_no_node_of_the_new_run() -> None:
    engine = engine_of(Quiet)
    old, = last_run_nodes(engine, quiet("dev"), "dev")
    engine.start(quiet("dev"))
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
    with held_over_a_stop("from the last run") as (engine, old):
        timings: list[NodeTiming] = []
        engine.events.subscribe(timings.append, NodeTiming)
        engine.start(relay_to_sink())
        let_go(old)  # its worker thread ended: all it would publish is published
        assert engine.wait_idle(5, settle=0.05)
        assert timings == [], timings
