"""Where the pattern node's steps fall within a beat (swing) and how long each note lasts (gate): the grid's
arithmetic, apart from the scheduler that sends the steps. See docs/pattern.md, "Swing" and "Gate"."""

from __future__ import annotations

import math
from collections.abc import Mapping

from exsampling_patch.nodes.pattern_steps import SlotPattern


def step_beat(step: int, steps_per_beat: int, swing: float) -> float:
    """The beat ``step`` falls on: the second of each pair within a beat later by ``swing`` of a step, never a
    beat's first step (with 3 steps a beat, every odd step was: the first of every second beat came late)."""
    beat = step / steps_per_beat
    if step % steps_per_beat % 2:
        beat += swing / steps_per_beat
    return beat


def slot_index(pattern: SlotPattern, step: int, length: int) -> int:
    """The position in ``pattern`` that ``step`` plays: each slot loops its own pattern, within ``length`` steps
    where that is set (0: none)."""
    return (step % length if length else step) % len(pattern.velocities)


def _hits(pattern: SlotPattern, step: int, note: int, length: int) -> bool:
    index = slot_index(pattern, step, length)
    return pattern.velocities[index] > 0 and pattern.notes[index] == note


def gate_seconds(pattern: SlotPattern, step: int, note: int, step_seconds: float, gate: float, steps_per_beat: int,
                 swing: float, length: int, pending: Mapping[str, SlotPattern] | None = None,
                 takeover: int = 0) -> float:
    """How long the note of ``step`` lasts: ``gate`` steps, but only until just before the next hit of its note on
    its slot. A note off ends every voice of its note: one due after that hit (a gate of a step or more, swing)
    ended the new hit, not the old one (a gate of 1.5 played notes half a step long). From step ``takeover`` the
    ``pending`` patterns play (those of its channel): before, a hit of theirs on the next bar was ended so."""
    beat = step_beat(step, steps_per_beat, swing)
    for ahead in range(1, math.ceil(gate) + 2):  # swing moves a step up to 0.75 of one
        at = step + ahead
        if pending is not None and at >= takeover:
            playing = [p for p in pending.values() if p.channel == pattern.channel]
        else:
            playing = [pattern]
        if any(_hits(p, at, note, length) for p in playing):
            until = (step_beat(at, steps_per_beat, swing) - beat) * steps_per_beat * step_seconds
            return min(gate * step_seconds, until - 1e-6)
    return gate * step_seconds
