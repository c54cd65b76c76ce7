"""The MIDI clock follower's timeline (nodes/midi_follow.py) fed ticks directly, as the engine's worker feeds them."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import mido

from exsampling_patch.nodes.midi_follow import MidiClockTimeline
from exsampling_patch.nodes.tick_line import TickLine


def test_a_tempo_change_is_looked_for_outside_the_lock_the_scheduler_captures_by() -> None:
    """Each tick asks whether the master changed tempo: dozens of small least-squares solves, a millisecond or more a
    tick on a busy host. They ran holding the lock the pattern's scheduler takes for every capture of the clock, so
    the scheduler waited for them to send its steps. They run on a copy of the line now, put in under the lock."""
    timeline = MidiClockTimeline(120.0, 4.0)
    held: list[bool] = []
    looked_for = {TickLine._change.__code__, TickLine._bend.__code__, TickLine._stepped.__code__}

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in looked_for:
            held.append(timeline._lock.locked())

    timeline.feed(mido.Message("start"), 0.0)
    at = 0.0
    sys.setprofile(watch)
    try:
        for bpm in [120.0] * 96 + [60.0] * 48:  # a change: bends looked for and found
            timeline.feed(mido.Message("clock"), at)
            at += 60.0 / bpm / 24
    finally:
        sys.setprofile(None)
    assert timeline._ticks.changes == 1
    assert held and not any(held)
    assert abs(timeline.capture().tempo - 60.0) < 0.5  # the change found, and put in
