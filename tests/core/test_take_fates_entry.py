"""A take's end is told the same whichever way it came in: emitted by a source (its first message a take or an
assignment), or injected (:meth:`~exsampling_patch.runtime.Engine.inject`: the editor's buttons, tools, tests).

The engine's set-up is :mod:`tests.core.test_take_fates`'.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from exsampling_patch import SLOT, Node, Output, SlotAssignment, Take
from exsampling_patch.runtime import TakeEnded
from tests.core.test_take_fates import registry, run

__all__ = ["registry"]  # the fixture, for these tests


class Desk(Node):
    """A source of assignments (as OSC's /slot): the test calls assign() from its own thread."""

    type_name = "t_desk"
    out = Output(SLOT)

    def assign(self, slot: str, take_id: str) -> None:
        take = Take(np.full(480, 0.1, np.float32), 48000, take_id=take_id, source="Ana")
        self.emit("out", SlotAssignment(slot, take, "hihat", 1.0))


@pytest.fixture(autouse=True)
def _desk(registry: Any) -> None:
    registry.register(Desk, "test")


def test_an_assignment_that_begins_a_take_ends_it_in_its_slot(registry: Any) -> None:
    # The slot was noted before the take began, so not at all: a take a source assigned (OSC's /slot), or one
    # injected into a sampler's assign input, ended 'done (sampler)', no slot named, and the editor's take list
    # cleared the slot its assignment had shown.
    engine, events = run(registry, ["desk.out -> keep.inlet"], {"desk": "t_desk", "keep": "t_keep"})
    try:
        engine.node("desk").assign("HH", "sent")  # type: ignore[attr-defined]
        take = Take(np.full(480, 0.1, np.float32), 48000, take_id="pressed", source="Bo")
        engine.inject("keep", "inlet", SlotAssignment("BD", take, "kick", 1.0), source="editor")
        engine.inject("keep", "inlet", SlotAssignment("TT", take.derive(take_id="test"), "tom", 1.0))
        assert engine.wait_idle(5)
        ended = {e.take_id: (e.fate, e.reason, e.slots, e.node_id, e.recorder)
                 for e in events if isinstance(e, TakeEnded)}
        assert ended == {"sent": ("slot", "slot HH", ("HH",), "desk", "Ana"),
                         "pressed": ("slot", "slot BD", ("BD",), "editor", "Bo"),
                         "test": ("slot", "slot TT", ("TT",), "keep", "Bo")}
        assert len(engine.ledger) == 0
    finally:
        engine.stop()


def test_an_injected_take_ends_as_an_emitted_one(registry: Any) -> None:
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    try:
        engine.node("phone").push("sent")  # type: ignore[attr-defined]
        engine.inject("keep", "take", Take(np.full(480, 0.1, np.float32), 48000, take_id="pressed", source="Ana"))
        assert engine.wait_idle(5)
        ended = {e.take_id: (e.fate, e.reason, e.node_id, e.recorder) for e in events if isinstance(e, TakeEnded)}
        assert ended == {"sent": ("done", "done (keep)", "keep", "Ana"),
                         "pressed": ("done", "done (keep)", "keep", "Ana")}
        assert len(engine.ledger) == 0
    finally:
        engine.stop()
