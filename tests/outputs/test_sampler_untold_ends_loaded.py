"""A take assigned to the sampler whose status report fails once its sound is in the slot (.assign's
``LoadedUntold``) ends loaded into the sampler, the failure told on the node, as a take handed to the sampler an edit
built does (test_sampler_handed_report_fails.py). Told by the handler as its own error, the engine took the take for
one the sampler did not load: its end named no output that has it (the show log wrote ``"loaded": []``; beside Live
not loading it, the console said "no output has it" and the phone showed it red, the sound playing in the slot).

Real reports do not fail (the runtime's event bus keeps an observer's failure to itself): the sampler's context here
is the running engine's, failing the status report of one take as a broken one would."""

from __future__ import annotations

from typing import Any

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, TakeEnded
from exsampling_patch.runtime.context import EngineContext
from tests.waiting import wait_for

from .helpers import sine_take


class StatusFails(EngineContext):
    """The engine's context, but the status reports naming a take in :attr:`failing` fail."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, None)
        self.failing: set[str] = set()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        if status.get("take") in self.failing:
            raise ValueError("the status could not be sent")
        super().report_status(node_id, status)


def test_a_take_whose_status_report_fails_ends_loaded_with_the_failure_told() -> None:
    engine = Engine(Registry.default(entry_points=False), workers=2, pin_workers=False)
    told: list[NodeError] = []
    ended: list[TakeEnded] = []
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(ended.append, TakeEnded)
    patch = Patch()
    patch.add_node(NodeSpec("smp", "sampler", {"device": "none", "virtual_port": "", "slots": 2,
                                               "slot_names": ["Kick", "Snare"]}))
    engine.start(patch)
    try:
        sampler = engine.node("smp")
        sampler.context = context = StatusFails(engine)
        untold, next_one = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
        context.failing.add(untold.take_id)
        engine.inject("smp", "assign", SlotAssignment("Snare", untold))
        assert wait_for(lambda: len(ended) == 1, 10.0), told
        (end,) = ended
        assert (end.take_id, end.fate, end.reason, end.loaded) == (untold.take_id, "slot", "slot Snare", ("smp",))
        assert sampler.buffers[1].take_id == untold.take_id
        assert [take.take_id for take, _ in sampler.records[1].history] == [untold.take_id]
        assert wait_for(lambda: len(told) == 1, 10.0)
        (error,) = told
        assert error.node_id == "smp" and (error.port, error.later) == ("assign", True)
        assert error.error == (f"{untold.take_id} loaded into slot Snare, but its status could not be told: "
                               "ValueError: the status could not be sent")
        # told as a handed take's is: the next take the sampler loads ends it
        engine.inject("smp", "assign", SlotAssignment("Kick", next_one))
        assert wait_for(lambda: len(ended) == 2, 10.0)
        assert ended[1].loaded == ("smp",)
        assert engine.wait_idle(10) and engine.errors == {}
    finally:
        engine.stop()
