"""The timed events the callback holds (nodes/sampler/schedule.py ``Held``), worked on with numpy over the whole
array: what the callback applies, and at which frame, is what the plain rules say, event by event, over a random
stream of timed note-ons, note-offs and all-notes-off of two senders."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON

from .helpers import sine_take

RATE, BLOCK = 48000, 256


@dataclass
class Event:
    kind: int
    channel: int
    note: int
    velocity: int
    due: float
    sender: int


def model(blocks: list[list[Event]], base: float) -> list[tuple[int, int, int, int]]:
    """The rules, one event at a time: (kind, channel, note, frame) of each event applied, in order."""
    held: list[Event] = []
    applied = []
    for b, arrived in enumerate(blocks):
        start, frame = base + b * BLOCK / RATE, b * BLOCK
        for event in arrived:
            if event.kind == ALL_OFF:  # a timed one voids its sender's events of its channel due after it
                held = [e for e in held if not (e.due > event.due and e.channel == event.channel
                                                and e.sender == event.sender)]
            held.append(event)
        kept: list[Event] = []
        for event in held:
            if event.kind == NOTE_ON and event.velocity > 0:
                offset = round((event.due - start) * RATE)
                if offset >= BLOCK:
                    kept.append(event)
                    continue
                for off in [e for e in kept if e.kind == NOTE_OFF and e.channel == event.channel
                            and e.note == event.note and e.due <= event.due]:  # ended before the new hit
                    kept.remove(off)
                    applied.append((NOTE_OFF, off.channel, off.note, frame))
                applied.append((NOTE_ON, event.channel, event.note, frame + offset))
            elif event.due > start:
                kept.append(event)
            else:
                applied.append((event.kind, event.channel, event.note, frame))
        held = kept
    return applied


@pytest.mark.parametrize("seed", range(4))
def test_held_events_apply_as_the_rules_say(seed: int) -> None:
    rng = random.Random(seed)
    base = 1000.0
    blocks: list[list[Event]] = []
    for b in range(300):  # each block, events sent ahead from the next block on, up to 40 blocks (0.2 s) ahead
        arrived = []
        for _ in range(rng.randrange(6)):
            kind = rng.choice([NOTE_ON, NOTE_ON, NOTE_OFF, NOTE_OFF, ALL_OFF])
            due = base + (b + 1 + rng.random() * 40) * BLOCK / RATE
            arrived.append(Event(kind, rng.randrange(3), 0 if kind == ALL_OFF else 60 + rng.randrange(3),
                                 100 if kind == NOTE_ON else 0, due, rng.choice([1, 2])))
        blocks.append(arrived)
    node = Sampler("smp-held", {"device": "none", "virtual_port": ""}, NodeContext())
    node.start()
    try:
        for slot in ("HH", "Snare", "TT"):
            node.on_assign(SlotAssignment(slot, sine_take(440.0, seconds=0.5, rate=RATE)))
        core, ring, out = node.core, node.state.ring, np.zeros((BLOCK, 2), np.float32)
        core.render(out, at=base - BLOCK / RATE)  # the takes taken up
        node.state.played.take()
        frame0 = core.frame
        applied = []
        for b, arrived in enumerate(blocks):
            for e in arrived:
                ring.push(e.kind, e.channel, e.note, e.velocity, 0.0, e.due, e.sender)
            core.render(out, at=base + b * BLOCK / RATE)
            applied += [(kind, channel, note, frame - frame0) for kind, channel, note, _, _, frame, _
                        in node.state.played.take() if kind in (NOTE_ON, NOTE_OFF, ALL_OFF)]
    finally:
        node.stop()
    expected = model(blocks, base)
    assert len(expected) > 300
    assert applied == expected
