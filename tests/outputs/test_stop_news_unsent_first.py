"""The stop's news of a take an output kept unsent and a sampler kept too, read while the output is between its two
steps (it notes the take kept unsent, then lets it go: runtime/context.py close_take): the output, first of the
take's keepers, was named as where it waited, left out as told by its own line, and the sampler never named."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import SLOT
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.ledger import NOT_LOADED
from exsampling_patch.stop_news import KEPT_UNSENT, cut_off_news, kept_takes
from exsampling_patch.takes import write_take

from .helpers import sine_take
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
    take = write_take(sine_take(440.0, seconds=0.1), tmp_path / "t.wav")
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
