"""A pattern started with its sampler, under the JACK dummy server: the steps that fall before the sampler's stream
opens (in its own process, about a second) must not all play in its first block, stacked (a loud flam of a dozen
hits); they are dropped and counted (``stats()["late_dropped"]``), and the groove starts cleanly, one hit a step.
What the callback started, and at which stream frame, is read from its played ring (``Sampler.played()``): the
recorder can only be connected once the stream's ports exist, after that first block."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext

from .groove_rig import RATE, SLOTS, Forward, click, one_hit_per_step

pytestmark = pytest.mark.jack
TEMPO = 240.0  # a sixteenth is 62.5 ms: a dozen steps or more fall before a stream that opens after a second


def test_steps_before_the_stream_opens_are_dropped_not_stacked_in_its_first_block() -> None:
    from exsampling_patch.nodes.pattern import Pattern
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-start", {"virtual_port": "", "release_ms": 2.0, "one_shot": True}, NodeContext())
    pattern = None
    try:
        sampler.start()  # its audio process is up; its stream opens half a second or more later
        forward = Forward(sampler)
        pattern = Pattern(f"groove-start-{os.getpid()}", {"patterns": one_hit_per_step(4), "tempo": TEMPO}, forward)
        pattern.start()  # at once, as a patch starts its nodes
        for name in SLOTS[:4]:
            sampler.on_assign(SlotAssignment(name, click()))
        assert sampler.audio.opened.wait(10), sampler.context.errors
        opened = time.perf_counter()
        time.sleep(1.0)
        pattern.stop()
        time.sleep(0.2)
        played = sampler.played()
        stats = sampler.stats()
    finally:
        if pattern is not None and getattr(pattern, "_threads", None):
            pattern.stop()
        sampler.stop()

    if not forward.due or forward.due[0] > opened:
        pytest.skip("the stream opened before the first step was due: nothing came late")
    frames = np.array([p["frame"] for p in played if p["type"] == "note_on"])
    step_frames = 60.0 / TEMPO / 4 * RATE
    closest = np.diff(frames)
    stacked = int(np.sum(closest < step_frames / 2))
    print(f"\n{len(forward.due)} steps sent, {frames.size} played, {stats.get('late_dropped')} dropped late, "
          f"{stats['late_events']} late; first step due {opened - forward.due[0]:.2f} s before the stream opened")
    assert frames.size >= 8, f"only {frames.size} steps played in the second after the stream opened"
    assert stacked == 0, f"{stacked + 1} note-ons within half a step of each other at frames {frames[:16]}"
    assert stats["late_dropped"] > 0 and frames.size + stats["late_dropped"] == len(forward.due)
