"""The pattern node's scheduler coming to a MIDI clock master's start late (its thread kept from the CPU): the first
step it had to skip is counted in ``late_steps``, where a performer looks, and the steps after it play."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from exsampling_patch.nodes.pattern import LATE_DROP, Pattern
from tests.outputs.test_pattern_follow import MASTER_START, Stamped, follow

#: A master at 150 BPM (a sixteenth: 100 ms): its clock running, start, 2 beats.
MASTER = MASTER_START + """t = ticks(24, 150, time.perf_counter())
port.send(mido.Message("start"))
t = ticks(24 * 2, 150, t)
print("late", late, flush=True)
time.sleep(0.2)
"""

#: How long past the start's first step its scheduler first looks at it: late, well within the next sixteenth.
STALL = LATE_DROP + 0.03


class Stalled(Pattern):
    """A pattern node whose scheduler first looks at the master's start :data:`STALL` after its first step's time,
    as on a host that kept its thread from the CPU."""

    def start(self) -> None:
        self.stalled, self.first_due = False, 0.0
        super().start()

    def _schedule(self, now: float, clock: Any) -> Any:
        if not self.stalled and clock.playing and clock.starts == 1:
            self.stalled = True
            due = self.first_due = clock.time_at(clock.start_beat)
            while time.perf_counter() < due + STALL:
                time.sleep(0.001)
            now = time.perf_counter()
        return super()._schedule(now, clock)


@pytest.mark.jack
def test_a_start_the_scheduler_came_to_late_counts_its_skipped_step() -> None:
    """The first step, skipped as too late, was counted nowhere: the groove began without its one and late_steps
    said 0. It is counted now, and the second sixteenth plays on its time."""
    context = Stamped()
    pattern = Stalled("pat-late-start", {"patterns": {"HH": "xxxx"}, "follow_midi_clock": True, "tempo": 150.0},
                      context)
    follow(MASTER, f"exs-late-start-{os.getpid()}", pattern)
    assert pattern.stalled
    ons = [message for _, message in context.sent_at if message.type == "note_on"]
    assert pattern.late_steps == 1, (pattern.late_steps, len(ons))
    assert pattern.steps_played == len(ons) and len(ons) >= 6  # the steps after it: 7 in two beats, as they came
    assert ons[0].time - pattern.first_due == pytest.approx(0.1, abs=0.01)  # the second sixteenth, on its time
