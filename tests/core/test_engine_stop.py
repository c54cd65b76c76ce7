"""The engine's stop() while a swap runs on another thread: every node either plan built is stopped once."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core import engine_nodes
from tests.core.engine_nodes import Tracking, engine_registry


@pytest.fixture
def tracking() -> Tracking:
    engine_nodes.TRACKING = Tracking()
    return engine_nodes.TRACKING


def tracked(**nodes: dict[str, Any]) -> Patch:
    """Tracked nodes in file order as given; consumers start first, the rest in reverse file order."""
    patch = Patch()
    for node_id, params in nodes.items():
        patch.add_node(NodeSpec(node_id, "tracked", params))
    return patch


def test_stop_during_an_edit_stops_each_node_of_both_plans_once(tracking: Tracking) -> None:
    # stop() did not take the swap: it cleared the nodes under the edit, held in the added "held"'s start(); the
    # edit then started "added" and rebuilt "changed" after stop() had stopped all it saw, and "removed" was never
    # retired: nodes left running, their ports and devices held.
    registry: Registry = engine_registry()
    engine = Engine(registry)
    engine.start(tracked(removed={}, changed={"version": 1}, kept={}))
    edit = tracked(added={}, changed={"version": 2}, kept={}, held={"hold": True})
    failed: list[BaseException] = []

    def update() -> None:
        try:
            engine.update(edit)
        except BaseException as error:
            failed.append(error)

    swap = threading.Thread(target=update, name="test-swap", daemon=True)
    swap.start()
    try:
        assert tracking.holding.wait(10), "the edit never began to start 'held'"
        # stop() does not wait for the start() in hand (Ctrl+C during a model's loading): it returns first.
        engine.stop()
        assert not engine.running
    finally:
        tracking.gate.set()
        swap.join(10)
    assert not swap.is_alive() and failed == []
    built = {id(node): node.node_id for node in tracking.built}
    assert set(built.values()) == {"added", "changed", "held", "kept", "removed"}  # "changed" rebuilt or not
    assert Counter(id(node) for node in tracking.stops) == {key: 1 for key in built}
    assert engine.find_node("held") is None and engine.plan is None


def test_stop_during_start_up_stops_each_node_once(tracking: Tracking) -> None:
    # Ctrl+C while a node's start() loads a model: stop() left that node be and the start went on, starting it and
    # the nodes after it, none of them ever stopped.
    engine = Engine(engine_registry())
    starter = threading.Thread(target=engine.start, args=(tracked(after={}, early={}, held={"hold": True}),),
                               name="test-start", daemon=True)
    starter.start()
    try:
        assert tracking.holding.wait(10), "the start never began to start 'held'"
        engine.stop()
    finally:
        tracking.gate.set()
        starter.join(10)
    assert not starter.is_alive()
    assert sorted(node.node_id for node in tracking.built) == ["after", "early", "held"]
    assert Counter(id(node) for node in tracking.stops) == {id(node): 1 for node in tracking.built}


def test_an_edit_stop_cuts_short_returns_none_and_no_plan_runs(tracking: Tracking) -> None:
    # update() returned the edited plan, and engine.plan showed it, though stop() had cut the edit short in "held"'s
    # start(): the edit never ran, and the editor took it for swapped in.
    engine = Engine(engine_registry())
    engine.start(tracked(kept={}))
    swapped = engine.update(tracked(kept={}, other={}))
    assert swapped is not None and swapped is engine.plan and swapped.version == 2
    returned: list[Any] = []
    swap = threading.Thread(target=lambda: returned.append(engine.update(tracked(kept={}, held={"hold": True}))),
                            name="test-swap", daemon=True)
    swap.start()
    try:
        assert tracking.holding.wait(10), "the edit never began to start 'held'"
        engine.stop()
        assert engine.plan is None  # the swap still in "held"'s start()
    finally:
        tracking.gate.set()
        swap.join(10)
    assert not swap.is_alive() and returned == [None] and engine.plan is None
    assert Counter(id(node) for node in tracking.stops) == {id(node): 1 for node in tracking.built}


def test_abort_start_aborts_only_the_start_it_came_during(tracking: Tracking) -> None:
    # abort_start() (Ctrl+C during start-up) set a flag nothing reset: an edit of that run started none of the nodes
    # it added, and the engine started again left all of them unstarted.
    engine = Engine(engine_registry())
    patch = tracked(after={}, held={"hold": True}, early={})  # started "early", "held", "after"
    starter = threading.Thread(target=engine.start, args=(patch,), name="test-start", daemon=True)
    starter.start()
    try:
        assert tracking.holding.wait(10), "the start never began to start 'held'"
        engine.abort_start()
    finally:
        tracking.gate.set()
        starter.join(10)
    assert not starter.is_alive()
    try:
        assert [node.node_id for node in tracking.starts] == ["early", "held"]
        engine.update(tracked(after={}, held={"hold": True}, early={}, added={}))
        assert [node.node_id for node in tracking.starts][2:] == ["added"]
    finally:
        engine.stop()
    del tracking.starts[:]
    engine.start(patch)
    try:
        assert sorted(node.node_id for node in tracking.starts) == ["after", "early", "held"]
    finally:
        engine.stop()


def test_once_stop_returns_during_an_edit_no_node_shows(tracking: Tracking) -> None:
    # stop() returned with the edit still in "held"'s start(): running was False, but the nodes stayed listed (the
    # swap holds them until that call returns, then stops them), as if they ran on.
    engine = Engine(engine_registry())
    engine.start(tracked(kept={}))
    assert engine.find_node("kept") is engine.node("kept") is not None
    swap = threading.Thread(target=engine.update, args=(tracked(kept={}, held={"hold": True}),), name="test-swap",
                            daemon=True)
    swap.start()
    try:
        assert tracking.holding.wait(10), "the edit never began to start 'held'"
        engine.stop()
        assert not engine.running and engine.plan is None
        assert engine.find_node("kept") is None and engine.find_node("held") is None
        with pytest.raises(KeyError):
            engine.node("kept")
        assert engine.starting_call == ("held", "start")  # what the editor's Stop names as it waits
    finally:
        tracking.gate.set()
        swap.join(10)
    assert not swap.is_alive() and engine.find_node("kept") is None and engine.starting_call is None
    assert Counter(id(node) for node in tracking.stops) == {id(node): 1 for node in tracking.built}
