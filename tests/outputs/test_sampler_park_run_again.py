"""A sampler's handler that outlives its run's stop (waiting for the rate, counted as hung: the stop does not wait for
it) and parks its take once the patch has been started again on the same engine. Keyed by the run it parked in, not
the one its sampler started in, the take went to the next run's sampler, which its source passes it on to again
(loaded twice), and the next run's message of that take was kept open by the last run's handler."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from exsampling_patch import ANY, Input, Node
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import assign
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.waiting import wait_for

from .helpers import sine_take


class HeldThenParks(Node):
    """Holds each assignment until the test lets it go, then parks it on the sampler of the run it was handled in, as
    a sampler's handler does once the stop ends its wait for the rate (a wait the stop ends at once: held here, the
    handler stands for one the machine did not run again until the next run had started)."""

    type_name = "t_held_then_parks"
    inlet = Input(ANY)
    holds: ClassVar[list[threading.Event]] = []
    parked: ClassVar[list[bool]] = []
    sampler: ClassVar[list[Any]] = []  # the sampler of the run now

    def on_inlet(self, message: Any) -> None:
        sampler = self.sampler[0]  # its run's, as it began
        self.holds.pop(0).wait(30.0)
        self.parked.append(assign.park(sampler, message, kept=False))


def test_a_handler_that_parks_after_the_next_start_does_not_hand_its_take_to_that_runs_sampler() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(HeldThenParks, "test")
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"device": "none", "virtual_port": ""}))
    patch.add_node(NodeSpec("hand", "t_held_then_parks"))
    engine = Engine(registry, workers=2, pin_workers=False)
    first, again = threading.Event(), threading.Event()
    HeldThenParks.holds[:] = [first, again]
    HeldThenParks.parked.clear()
    take = sine_take(220.0, seconds=0.5)
    engine.start(patch)
    try:
        HeldThenParks.sampler[:] = [engine.node("smp")]
        engine.inject("hand", "inlet", SlotAssignment("Snare", take))
        assert wait_for(lambda: HeldThenParks.holds == [again]), "the first run's handler never began"
    finally:
        engine.stop(timeout=0.5)  # its handler still held: not waited for past the timeout
    engine.start(patch)
    try:
        sampler = engine.node("smp")
        HeldThenParks.sampler[:] = [sampler]
        engine.inject("hand", "inlet", SlotAssignment("Snare", take))  # its source passes it on again: in flight
        assert wait_for(lambda: HeldThenParks.holds == []), "the second run's handler never began"
        first.set()  # the last run's handler goes on, in this run, and parks its take
        assert wait_for(lambda: HeldThenParks.parked == [True]), HeldThenParks.parked
        for thread in threading.enumerate():  # a hand-over starts its load on a thread of its own
            if thread.name == "smp-handed":
                thread.join(10.0)
        assert not [p for p in assign._parked if p.assignment.take is take]
        loaded = sampler.buffers[1].take  # type: ignore[attr-defined]
        assert loaded is None, "the last run's take was loaded by this run's sampler"
        assert engine.errors == {}
    finally:
        first.set()
        again.set()
        engine.stop()
        HeldThenParks.holds.clear()
        HeldThenParks.sampler.clear()
