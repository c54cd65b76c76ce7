"""All notes off (CC 123) and all sound off (CC 120) end the notes of their channel only, as MIDI has it; the
sampler's own all.notes_off control ends every slot's. A sender's (its tag) ends the voices that sender's notes
started, on its channel or, sent for every channel (-1), on all of them, and no other's; an untagged one ends every
voice of its channel, or every voice."""

from __future__ import annotations

from collections.abc import Iterator

import mido
import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_ON

from .helpers import sine_take

RATE, BLOCK = 48000, 256


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


def released_after(channel: int, sender: int) -> dict[tuple[int, int], bool]:
    """(sender, channel) -> whether its voice is released, after an untimed all-notes-off of ``sender`` on
    ``channel``, with a voice sounding for each of senders 1 and 2 on channels 0 and 1 and for no sender (0)."""
    node = Sampler("smp-off", {"device": "none", "virtual_port": "", "sample_rate": RATE}, NodeContext())
    node.start()
    try:
        for slot in ("HH", "Snare", "TT"):
            node.on_assign(SlotAssignment(slot, sine_take(440.0, seconds=2.0, rate=RATE)))
        core, ring, out = node.core, node.state.ring, np.zeros((BLOCK, 2), np.float32)
        core.render(out)  # the takes taken up
        voices = [(1, 0, 60), (1, 1, 61), (2, 0, 62), (2, 1, 60), (0, 0, 61)]
        for tag, chan, note in voices:
            ring.push(NOTE_ON, chan, note, 100, 0.0, 0.0, tag)
        core.render(out)
        assert not core.releasing[core.active].any()
        ring.push(ALL_OFF, channel, 0, 0, 0.0, 0.0, sender)
        core.render(out)
        sounding = core.active.copy()
        assert int(sounding.sum()) == len(voices)
        return {(int(core.sender[s, v]), int(core.channel[s, v])): bool(core.releasing[s, v])
                for s, v in zip(*sounding.nonzero(), strict=True)}
    finally:
        node.stop()


def test_a_senders_all_notes_off_for_every_channel_ends_its_own_voices_only() -> None:
    assert released_after(-1, 1) == {(1, 0): True, (1, 1): True, (2, 0): False, (2, 1): False, (0, 0): False}


def test_a_senders_all_notes_off_on_one_channel_ends_its_own_voices_there() -> None:
    assert released_after(1, 2) == {(1, 0): False, (1, 1): False, (2, 0): False, (2, 1): True, (0, 0): False}


def test_an_untagged_all_notes_off_ends_every_voice_of_its_channels() -> None:
    assert released_after(-1, 0) == dict.fromkeys([(1, 0), (1, 1), (2, 0), (2, 1), (0, 0)], True)
    assert released_after(0, 0) == {(1, 0): True, (1, 1): False, (2, 0): True, (2, 1): False, (0, 0): True}
