"""A roll-back (the ``<slot>.rollback`` control) whose take is in the slot but whose status report fails: the
roll-back is done, and the console says so, and that its status could not be told. Before, ``LoadedUntold`` raised
out of the handler and the console showed only the report's failure, read as a roll-back that failed."""

from __future__ import annotations

from exsampling_patch.messages import ControlValue, SlotAssignment
from tests.waiting import wait_for

from .helpers import sine_take
from .sampler_setup import NO_DEVICE, StatusFails, kick_snare_engine


def test_a_rollback_whose_status_report_fails_is_told_done_with_the_failure() -> None:
    with kick_snare_engine(NO_DEVICE, workers=2, pin_workers=False) as (engine, told, ended):
        sampler = engine.node("smp")
        sampler.context = context = StatusFails(engine)
        first, second = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
        for take in (first, second):
            engine.inject("smp", "assign", SlotAssignment("Snare", take))
        assert wait_for(lambda: len(ended) == 2, 10.0), told
        context.failing.add(first.take_id)
        engine.inject("smp", "control", ControlValue("Snare.rollback", 1.0))
        assert wait_for(lambda: len(told) == 1, 10.0), told
        assert sampler.buffers[1].take_id == first.take_id  # type: ignore[attr-defined]
        assert told[0].error == (f"slot Snare rolled back to {first.name}, but its status could not be told: "
                                 "ValueError: the status could not be sent")
