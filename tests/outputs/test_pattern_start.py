"""A pattern started with its sampler, under the JACK dummy server. The sampler's stream opens in its own process
about a second after the patch starts; a step due before it would be dropped there (``stats()["late_dropped"]``,
rather than stacked in its first block), and the groove would begin at whichever step came after, mid-bar. The
pattern holds its first step until the sampler can play: nothing is dropped, and the first hit is on the one.
What the callback started, and at which stream frame, is read from its played ring (``Sampler.played()``): the
recorder can only be connected once the stream's ports exist, after that first block."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from tests.sampler_start import opened_or_told

from .groove_rig import RATE, SLOTS, Forward, click

pytestmark = pytest.mark.jack
TEMPO = 240.0  # a sixteenth is 62.5 ms, a bar one second: a stream that opens after a second opens mid-bar
#: HH on the one only, a Snare hit on each other step of the bar (16 sixteenths at the default quantum of 4)
ONE_BAR = {"HH": "x" + "." * 15, "Snare": "." + "x" * 15}


def test_the_groove_waits_for_the_sampler_and_starts_on_the_one() -> None:
    from exsampling_patch.nodes.pattern import Pattern
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-start", {"virtual_port": "", "release_ms": 2.0, "one_shot": True}, NodeContext())
    pattern = None
    try:
        sampler.start()  # its audio process is up; its stream opens half a second or more later
        forward = Forward(sampler)
        pattern = Pattern(f"groove-start-{os.getpid()}", {"patterns": ONE_BAR, "tempo": TEMPO}, forward)
        pattern.start()  # at once, as a patch starts its nodes
        for name in SLOTS[:2]:
            sampler.on_assign(SlotAssignment(name, click()))
        assert opened_or_told(sampler.audio, lambda: sampler.context.errors), sampler.context.errors
        sent_before_open = len(forward.due)
        time.sleep(1.5)
        pattern.stop()
        time.sleep(0.2)
        played = sampler.played()
        stats = sampler.stats()
        clock = pattern.beat_clock()
    finally:
        if pattern is not None and getattr(pattern, "_threads", None):
            pattern.stop()
        sampler.stop()

    ons = [p for p in played if p["type"] == "note_on"]
    frames = np.array([p["frame"] for p in ons])
    step_frames = 60.0 / TEMPO / 4 * RATE
    stacked = int(np.sum(np.diff(frames) < step_frames / 2))
    print(f"\n{len(forward.due)} steps sent ({sent_before_open} before the stream opened), {frames.size} played, "
          f"{stats['late_dropped']} dropped late, {stats['late_events']} late; first on channel "
          f"{ons[0]['channel'] if ons else None}")
    assert stats["late_dropped"] == 0, "steps went out before the sampler could play"
    assert frames.size >= 16 and frames.size == len(forward.due), (frames.size, len(forward.due))
    assert ons[0]["channel"] == 0, f"the groove began on step {[p['channel'] for p in ons[:4]]}, not on the one"
    assert clock.beat_at(forward.due[0]) == pytest.approx(0.0, abs=1e-6)  # step 0 of a timeline nobody shares
    assert stacked == 0, f"{stacked + 1} note-ons within half a step of each other at frames {frames[:16]}"
