"""A patch stopped and started again on the same engine (each run gives its nodes a context of its own; the engine
kept one for all its runs when this was written), and what a node hands over to the one of its id an edit builds was
taken over as by an edit (the context's ``run_id`` tells the runs apart). The pattern node went on with the last
run's MIDI clock timeline (the master's transport as that run left it); the sampler loaded a take parked in the last
run, which its source passes on again: loaded twice, and its unclaimed end, 30 s on, told an error on the new run's
sampler and closed the new run's message of that take."""

from __future__ import annotations

from typing import Any, ClassVar

from exsampling_patch import ANY, Input, Node
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import assign
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from tests.waiting import wait_for

from .helpers import sine_take


class ParksOnItsSampler(Node):
    """Parks each assignment it is given as a sampler's handler does when an edit's stop ended its wait for the
    rate before the sampler built in its place started (that wait needs an audio process held before its rate:
    test_sampler_rate_wait.py takes that way)."""

    type_name = "t_parks_on_its_sampler"
    inlet = Input(ANY)
    sampler: ClassVar[list[Any]] = []

    def on_inlet(self, message: Any) -> None:
        assert assign.park(self.sampler[0], message, kept=False)


def test_a_pattern_run_again_on_its_engine_hears_its_midi_clock_afresh() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("groove", "pattern", {"patterns": {"HH": "x.x."}, "follow_midi_clock": True}))
    engine = Engine(Registry.default(entry_points=False), workers=2, pin_workers=False)
    engine.start(patch)
    try:
        first = engine.node("groove").timeline  # type: ignore[attr-defined]
    finally:
        engine.stop()
    engine.start(patch)
    try:
        again = engine.node("groove").timeline  # type: ignore[attr-defined]
        assert again is not first
        edit = Patch()
        edit.add_node(NodeSpec("groove", "pattern", {"patterns": {"BD": "x..."}, "follow_midi_clock": True}))
        assert engine.update(edit) is not None
        assert engine.node("groove").timeline is again  # type: ignore[attr-defined]  # an edit goes on with it
    finally:
        engine.stop()


def test_a_take_parked_in_the_last_run_is_not_the_sampler_of_the_next_runs() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(ParksOnItsSampler, "test")
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"device": "none", "virtual_port": ""}))
    patch.add_node(NodeSpec("hand", "t_parks_on_its_sampler"))
    engine = Engine(registry, workers=2, pin_workers=False)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    take = sine_take(220.0, seconds=0.5)
    engine.start(patch)
    try:
        ParksOnItsSampler.sampler[:] = [engine.node("smp")]  # as if an edit had stopped it: no sampler took it yet
        engine.inject("hand", "inlet", SlotAssignment("Snare", take))
        assert engine.wait_idle(10) and take.take_id in engine.ledger  # kept, in flight at the stop
    finally:
        engine.stop()
        ParksOnItsSampler.sampler.clear()
    engine.start(patch)
    parked = [p for p in assign._parked if p.assignment.take is take]
    try:
        assert parked, "the last run's take was loaded by this run's sampler"
        engine.inject("smp", "assign", SlotAssignment("Snare", take))  # its source passes it on again
        assert wait_for(lambda: [end.take_id for end in ended] == [take.take_id], 10.0), ended
        ended.clear()
        assign._unclaimed(parked[0])  # as its timer does, HAND_SECONDS after it was parked
        assert engine.errors == {} and ended == []
        assert engine.node("smp").buffers[1].take_id == take.take_id  # type: ignore[attr-defined]
    finally:
        for stale in parked:
            stale.timer.cancel()
        engine.stop()
