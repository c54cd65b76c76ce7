"""All notes off (CC 123) and all sound off (CC 120) end the notes of their channel only, as MIDI has it; the
sampler's own all.notes_off control ends every slot's."""

from __future__ import annotations

from collections.abc import Iterator

import mido
import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler

from .helpers import sine_take


@pytest.fixture
def sampler() -> Iterator[Sampler]:
    node = Sampler("smp-all-off", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    node.start()
    for slot in ("HH", "Snare", "TT"):
        node.on_assign(SlotAssignment(slot, sine_take(440.0, rate=48000)))
    yield node
    node.stop()


def sounding(node: Sampler) -> list[int]:
    """The slots with a voice playing (not released), after a few blocks."""
    out = np.zeros((256, 2), np.float32)
    for _ in range(20):
        node.core.render(out)
    held = node.core.active & ~node.core.releasing
    return [int(s) for s in np.flatnonzero(held.any(axis=1))]


@pytest.mark.parametrize("control", [123, 120])
def test_all_notes_off_on_one_channel_ends_that_channels_notes_only(sampler: Sampler, control: int) -> None:
    for channel in (0, 1, 2):  # a keyboard on each of three slots' channels
        sampler.on_midi(mido.Message("note_on", channel=channel, note=60, velocity=100))
    assert sounding(sampler) == [0, 1, 2]
    sampler.on_midi(mido.Message("control_change", channel=1, control=control, value=0))
    assert sounding(sampler) == [0, 2]


def test_the_all_notes_off_control_ends_every_slots_notes(sampler: Sampler) -> None:
    for channel in (0, 1, 2):
        sampler.on_midi(mido.Message("note_on", channel=channel, note=60, velocity=100))
    assert sounding(sampler) == [0, 1, 2]
    sampler.handle("control", ControlValue("all.notes_off", 1.0))
    assert sounding(sampler) == []
