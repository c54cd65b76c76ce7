"""The stop's news of a take an output (Live) kept unsent that another node still had: a sampler keeping it, named
though the output, caught between its two steps (it notes the take kept unsent, then lets it go: runtime/context.py
close_take), keeps it first; a node still handling it, told by the take's source though Live's line tells it too."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import SLOT
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.ledger import NOT_LOADED
from exsampling_patch.stop_news import KEPT_UNSENT, cut_off_news, kept_takes

from .helpers import folder_held_by_another_run, live_beside, live_device, short_take
from .test_osc_outbox_stop import SilentSampler


class NotedNotLetGo(Node):
    """An output caught between its two steps: it kept the take open and noted it kept unsent, not yet let go."""

    type_name = "t_noted_not_let_go"
    assignment = Input(SLOT, "takes")

    def on_assignment(self, assignment: SlotAssignment) -> None:
        self.keep_open(assignment)
        self.tell_fate(assignment, NOT_LOADED, KEPT_UNSENT)


def test_a_sampler_keeping_a_take_an_output_kept_unsent_is_named_though_the_output_keeps_it_first(
        tmp_path: Path) -> None:
    take = short_take(tmp_path)
    registry = Registry.default(entry_points=False)
    registry.register(NotedNotLetGo, "test")
    registry.register(SilentSampler, "test")
    patch = Patch()
    patch.add_node(NodeSpec("live", "t_noted_not_let_go"))
    patch.add_node(NodeSpec("sampler", "t_silent_sampler"))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        for node_id in ("live", "sampler"):  # the output keeps it first (one worker: in this order)
            engine.inject(node_id, "assignment", SlotAssignment("one", take))
        assert engine.wait_idle(5, settle=0.05)
        assert kept_takes(engine.ledger) == {take.take_id: ("sampler", "")}
        assert cut_off_news(engine.ledger, engine.errors, patch, registry) == [
            "1 take kept by 'sampler' (its audio process did not answer)"]
    finally:
        engine.stop()


class Stuck(Node):
    """Takes a take and stays in its handler until let go: the take is still at this node as the run stops."""

    type_name = "t_stuck"
    assignment = Input(SLOT, "takes")
    entered = threading.Event()
    let_go = threading.Event()

    def on_assignment(self, assignment: SlotAssignment) -> None:
        Stuck.entered.set()
        Stuck.let_go.wait(30)


def test_a_take_live_kept_unsent_still_at_another_node_is_told_by_its_source(tmp_path: Path) -> None:
    """Left out of the part by source as told by Live's line alone, a take still in another node's handler (not held
    there) at the stop was told by no sentence of the stop's news."""
    with live_device() as receiver:
        registry, patch, log = live_beside(receiver, tmp_path, Stuck, "stuck")
        take = short_take(tmp_path)
        Stuck.entered.clear()
        Stuck.let_go.clear()
        engine = Engine(registry, workers=2, pin_workers=False)
        try:
            with folder_held_by_another_run(log):
                engine.start(patch)
                for node_id in ("live", "stuck"):
                    engine.inject(node_id, "assignment", SlotAssignment("one", take))
                assert Stuck.entered.wait(10)
                engine.stop(timeout=0.2)  # bounds stop()'s wait for the stuck handler alone
                assert engine.status["live"]["unsent"] == 1
                source = engine.ledger.source_of(take.take_id)
                assert cut_off_news(engine.ledger, engine.errors, patch, registry) == [
                    f"1 take from '{source}' not through the patch"]
        finally:
            Stuck.let_go.set()
            engine.stop()
