"""The error on a take handed to the sampler an edit built (.assign) ends at the next take the sampler loads, as the
same error told by its handler does. The handed take is loaded on a thread of the node's own, and its error, told as
the node's own (a device's), stood until the sound device opened again: for the rest of the show, on the editor's
badge, beside a sampler loading every take."""

from __future__ import annotations

from typing import Any, ClassVar

from exsampling_patch import ANY, Input, Node
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler.assign import park
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, NodeRecovered, TakeEnded
from tests.waiting import wait_for

from .helpers import sine_take


class HandsOver(Node):
    """Parks each assignment it is given for the sampler the edit built, as the stopped sampler's handler does when
    its stop ended its wait for the rate (that wait needs an audio process held before its rate: test_sampler_rate_
    wait.py takes that way)."""

    type_name = "t_hands_over"
    inlet = Input(ANY)
    stopped: ClassVar[list[Any]] = []

    def on_inlet(self, message: Any) -> None:
        assert park(self.stopped[0], message, kept=False)


def a_patch(slot_names: list[str]) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"device": "none", "virtual_port": "", "slots": len(slot_names),
                                               "slot_names": slot_names}))
    patch.add_node(NodeSpec("hand", "t_hands_over"))
    return patch


def test_the_error_on_a_handed_take_ends_at_the_next_take_loaded() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(HandsOver, "test")
    engine = Engine(registry, workers=2, pin_workers=False)
    told: list[NodeError] = []
    back: list[NodeRecovered] = []
    ended: list[TakeEnded] = []
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(back.append, NodeRecovered)
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(a_patch(["Kick", "Snare"]))
    try:
        HandsOver.stopped[:] = [engine.node("smp")]
        assert engine.update(a_patch(["Kick", "Hat"])) is not None  # rebuilt, without the slot the take is for
        handed = sine_take(220.0, seconds=0.5)
        engine.inject("hand", "inlet", SlotAssignment("Snare", handed))
        assert wait_for(lambda: any(end.take_id == handed.take_id for end in ended), 10.0), told
        ((error,),) = [told]
        assert error.node_id == "smp" and "no slot named 'Snare'" in error.error
        assert "smp" in engine.errors
        engine.inject("smp", "assign", SlotAssignment("Kick", sine_take(330.0, seconds=0.5)))
        assert engine.wait_idle(10)
        assert wait_for(lambda: len(ended) == 2, 10.0)
        assert engine.errors == {} and [event.how for event in back] == ["handled"]
        assert engine.error_counts == {"smp": 1}
        assert (error.port, error.later) == ("assign", True)  # told on the take's input, no handler failed
    finally:
        engine.stop()
        HandsOver.stopped.clear()
