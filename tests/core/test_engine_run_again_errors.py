"""A patch stopped and started again on the same engine: the errors of the last run are not this one's. The engine
kept them (its error book, and the counts behind engine.errors): engine.errors named a node the new run has not."""

from __future__ import annotations

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, NodeError
from tests.core.engine_nodes import all_sent, engine_registry


def counted(count: int, fail_on: list[int] | None = None) -> Patch:
    """src (``count`` numbers) -> sink, through add (failing on ``fail_on``) where that is given."""
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": count}))
    patch.add_node(NodeSpec("sink", "sink"))
    if fail_on is None:
        patch.connect("src.out", "sink.inlet")
        return patch
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": fail_on}))
    patch.connect("src.out", "add.inlet")
    patch.connect("add.outlet", "sink.inlet")
    return patch


def test_an_engine_started_again_keeps_none_of_the_last_runs_errors() -> None:
    engine = Engine(engine_registry(), workers=2, pin_workers=False)
    engine.start(counted(4, fail_on=[3]))  # its last message fails: its error stands at the stop
    try:
        assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    finally:
        engine.stop()
    assert "add" in engine.errors and engine.error_counts == {"add": 1}  # read after the stop, as the CLI does
    engine.start(counted(2))  # no node 'add' now
    try:
        assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {} and engine.error_state() == {}
    finally:
        engine.stop()


def test_a_node_of_the_same_id_in_the_next_run_fails_and_recovers_as_in_a_first_run() -> None:
    engine = Engine(engine_registry(), workers=2, pin_workers=False)
    engine.start(counted(4, fail_on=[3]))
    try:
        assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    finally:
        engine.stop()
    errors: list[NodeError] = []
    engine.events.subscribe(errors.append, NodeError)
    engine.start(counted(4, fail_on=[1]))  # fails once, then handles 2 and 3: back
    try:
        assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
        assert [error.node_id for error in errors] == ["add"]
        assert engine.errors == {} and engine.error_counts == {"add": 1}
        state = engine.error_state()
        assert list(state) == ["add"] and state["add"].told == 1 and state["add"].error is None
    finally:
        engine.stop()
