"""The MIDI clock follower's timeline (nodes/midi_follow.py) fed ticks directly, as the engine's worker feeds them."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import mido
import pytest

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


def test_a_continue_sent_again_while_playing_is_no_new_start() -> None:
    """A continue while the master plays (a DAW's play pressed twice, a MIDI merger doubling it) was a new start from
    the tick it came on: the groove voided the steps it had sent ahead, a midi_clock's slave got a stop and a
    continue. The master plays on: so does the clock, on the same ticks."""
    timeline = MidiClockTimeline(120.0, 4.0)
    tick = 60.0 / 120.0 / 24
    at = 0.0
    for _ in range(24):  # its clock running while stopped
        timeline.feed(mido.Message("clock"), at)
        at += tick
    timeline.feed(mido.Message("songpos", pos=8), at)
    timeline.feed(mido.Message("continue"), at)
    for _ in range(31):  # a beat and a tick on from beat 2
        timeline.feed(mido.Message("clock"), at)
        at += tick
    # its snapshot as the scheduler captures it (capture() reads ticks at these made-up times as a master gone)
    before = timeline._clock
    timeline.feed(mido.Message("continue"), at)  # again, mid-sixteenth
    assert timeline.starts == 1 and timeline.transport()[:3] == (True, 1, 2.0)
    assert timeline._clock == before  # the same line: nothing to send again
    for _ in range(6):
        timeline.feed(mido.Message("clock"), at)
        at += tick
    clock = timeline._clock
    assert clock.playing and clock.start_beat == 2.0
    assert clock.beat_at(at - tick) == pytest.approx(2.0 + 36 / 24)  # its ticks counted on from where they were
