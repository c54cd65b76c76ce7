"""What the sampler built in a stopped one's place does with a take handed to it (.assign): the stopped one's handler
parks the take whose wait for the rate its stop ended, and the sampler of that id in the same runtime loads it, after
its own rate. Here without an audio process (``device: none``), in a context that keeps takes open as a runtime does;
the engine's whole way (an edit while the process is held before its rate) is in test_sampler_rate_wait.py."""

from __future__ import annotations

from typing import Any

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler.assign import park
from tests.waiting import wait_for

from .helpers import sine_take
from .sampler_setup import NO_DEVICE, KeepingContext, stopped_sampler


def stopped_and_replaced(context: NodeContext) -> tuple[Any, Any]:
    from exsampling_patch.nodes.sampler import Sampler

    old = stopped_sampler(context)
    new = Sampler("smp", NO_DEVICE, context)
    new.start()
    return old, new


def test_a_take_handed_to_a_sampler_started_already_is_loaded_and_closed() -> None:
    context = KeepingContext()
    old, new = stopped_and_replaced(context)
    try:
        take = sine_take(220.0, seconds=0.5)
        assert park(old, SlotAssignment("Snare", take), kept=False)
        assert wait_for(lambda: bool(context.closed), 10.0), context.errors
        assert context.closed == [(take.take_id, "")]
        assert new.buffers[1].take_id == take.take_id
        assert [port for port, _ in context.emitted] == ["loaded"]
    finally:
        new.stop()


def test_a_take_handed_after_one_the_new_sampler_was_assigned_itself_does_not_go_over_it() -> None:
    context = KeepingContext()
    old, new = stopped_and_replaced(context)
    try:
        later = sine_take(330.0, seconds=0.5)
        new.on_assign(SlotAssignment("Snare", later))
        handed = sine_take(220.0, seconds=0.5)
        assert park(old, SlotAssignment("Snare", handed), kept=False)
        assert wait_for(lambda: bool(context.closed), 10.0), context.errors
        assert context.closed == [(handed.take_id, "")]
        assert context.fates == [("skipped", "skipped: slot Snare a later take reached it first")]
        assert new.buffers[1].take_id == later.take_id
    finally:
        new.stop()


def test_a_take_handed_to_a_sampler_without_that_slot_is_not_loaded() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = KeepingContext()
    old = stopped_sampler(context)
    new = Sampler("smp", {**NO_DEVICE, "slots": 2, "slot_names": ["Kick", "Hat"]}, context)
    new.start()
    try:
        take = sine_take(220.0, seconds=0.5)
        assert park(old, SlotAssignment("Snare", take), kept=False)
        assert wait_for(lambda: bool(context.closed), 10.0), context.errors
        ((closed_id, why),) = context.closed
        assert closed_id == take.take_id and why.startswith("not loaded into sampler 'smp': no slot named 'Snare'")
    finally:
        new.stop()


def test_a_take_parked_before_the_new_sampler_starts_is_loaded_by_it() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = KeepingContext()
    old = stopped_sampler(context)
    take = sine_take(220.0, seconds=0.5)
    assert park(old, SlotAssignment("Snare", take), kept=False)
    assert context.closed == []  # kept for the sampler an edit builds
    new = Sampler("smp", NO_DEVICE, context)
    new.start()
    try:
        assert wait_for(lambda: bool(context.closed), 10.0), context.errors
        assert context.closed == [(take.take_id, "")]
        assert new.buffers[1].take_id == take.take_id
    finally:
        new.stop()
