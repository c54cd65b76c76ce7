"""A handler held across a stop, and the engine started again while it runs: the next run keeps all its workers, and
what the held handler does as it returns is none of the next run's. Before, the worker it held never took its stop
token, and one of the next run's new workers took it and left (with one worker, nothing of the next run was handled);
and the handler's return counted its take off in the next run's ledger, ending that run's message of the same take
before its own handler had it."""

from __future__ import annotations

import threading
from typing import Any, cast

import numpy as np

from exsampling_patch import ANY, Input, Node, Param
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, TakeEnded
from tests.core.run_again import engine_of, held_past_stop, patch_of
from tests.waiting import wait_for


class HeldUntilOpened(Node):
    """Keeps each message in hand until the test sets :attr:`opened`, then keeps it (an end of the patch)."""

    type_name = "t_held_until_opened"
    inlet = Input(ANY)
    hang_after = Param(float, 30.0, "seconds before its handler counts as hung")

    def start(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()
        self.received: list[Any] = []
        self.thread: threading.Thread | None = None

    def on_inlet(self, message: Any) -> None:
        self.thread = threading.current_thread()
        self.entered.set()
        self.opened.wait(30)
        self.received.append(message)


class HeldOutput(HeldUntilOpened):
    """:class:`HeldUntilOpened`, as an output that loads takes (a sampler, Live)."""

    type_name = "t_held_output"
    loads_takes = True


def held(*node_ids: str, node_type: str = "t_held_until_opened", hang_after: float = 30.0) -> Patch:
    return patch_of(*(NodeSpec(node_id, node_type, {"hang_after": hang_after}) for node_id in node_ids))


def stopped_holding(engine: Engine, node_type: str = "t_held_until_opened", message: Any = 1) -> HeldUntilOpened:
    """Runs a node of ``node_type`` whose handler is held past its limit (hung) and past the engine's stop; returns
    that node, its handler still in hand."""
    first: HeldUntilOpened = held_past_stop(engine, held("first", node_type=node_type, hang_after=0.1), "first",
                                            message)
    return first


def test_a_handler_held_across_a_stop_leaves_the_next_run_of_one_worker_its_worker() -> None:
    engine = engine_of(HeldUntilOpened, HeldOutput, workers=1)
    first = stopped_holding(engine)
    try:
        engine.start(held("again"))
        again: HeldUntilOpened = engine.node("again")  # type: ignore[assignment]
        again.opened.set()
        engine.inject("again", "inlet", 2)
        assert wait_for(lambda: again.received == [2], 5), "no worker of the next run handled its message"
    finally:
        first.opened.set()
        engine.stop()


def test_a_handler_held_across_a_stop_leaves_the_next_run_all_its_workers() -> None:
    engine = engine_of(HeldUntilOpened, HeldOutput)
    first = stopped_holding(engine)
    nodes: list[HeldUntilOpened] = []
    try:
        engine.start(held("a", "b"))  # held within their limit: no spare worker takes one's place
        nodes = [engine.node("a"), engine.node("b")]  # type: ignore[list-item]
        engine.inject("a", "inlet", 1)
        engine.inject("b", "inlet", 2)
        assert all(node.entered.wait(5) for node in nodes), "the next run's two handlers were not in hand at once"
    finally:
        first.opened.set()
        for node in nodes:
            node.opened.set()
        engine.stop()


def test_a_held_handler_returning_in_the_next_run_leaves_that_runs_copy_of_its_take_be() -> None:
    engine = engine_of(HeldUntilOpened, HeldOutput)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    take = Take(np.zeros(64, dtype=np.float32), 44100)
    first = stopped_holding(engine, "t_held_output", SlotAssignment("Snare", take))
    again: HeldUntilOpened | None = None
    try:
        engine.start(held("again"))  # no output: the take goes to a slot and is loaded by none
        again = cast(HeldUntilOpened, engine.node("again"))
        engine.inject("again", "inlet", SlotAssignment("Snare", take))
        assert again.entered.wait(5)
        first.opened.set()
        assert first.thread is not None
        first.thread.join(5)
        assert not first.thread.is_alive()
        assert ended == [] and take.take_id in engine.ledger, "the last run's handler ended this run's take"
        again.opened.set()
        assert wait_for(lambda: len(ended) == 1, 5), ended
        assert ended[0].fate == "slot" and ended[0].loaded == (), ended[0]  # not loaded by the last run's output
    finally:
        first.opened.set()
        if again is not None:
            again.opened.set()
        engine.stop()
