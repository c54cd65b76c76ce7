"""The sampler's output level on its node's status, for the editor's level bar (``level``, 0..1).

The audio callback already keeps each slot's peak of its last block in the shared state (``state.levels``, zeroed
when nothing sounds); a thread of the node's own reads it there, never the callback's work, and never waits on it.
A block lasts a few milliseconds and the status goes out every :data:`REPORT_SECONDS`, so the meter looks at the
peaks every :data:`LOOK_SECONDS` and says the highest it saw over the interval: a short hit between two statuses
still shows. It says a level only when it changed, so a silent sampler says 0 once and then nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from exsampling_patch.nodes.sampler.shared import SharedState

REPORT_SECONDS = 0.1
"""How often the level goes out on the status, as the microphone's does."""

LOOK_SECONDS = 0.02
"""How often the slots' peaks are looked at: a few of the callback's blocks, so a short hit is seen."""


def output_level(state: SharedState) -> float:
    """The peak of the sampler's output now, 0..1: the loudest slot's peak of its last block, after the master
    gain (what the performer hears of the loudest slot; slots sounding together may add up to more, clipped)."""
    if state.levels.size == 0:
        return 0.0
    return min(1.0, float(state.levels.max()) * float(state.master[0]))


class OutputMeter:
    """Reports ``level`` (the output's peak over the last :data:`REPORT_SECONDS`) on ``report_status``: :meth:`run`
    is the loop of a thread of the node's, until ``stopping`` is set."""

    def __init__(self, state: SharedState, report_status: Callable[..., Any], stopping: threading.Event) -> None:
        self.state, self.report_status, self.stopping = state, report_status, stopping

    def run(self) -> None:
        said = 0.0  # a sampler that never sounds says no level
        peak, looks = 0.0, 0
        every = max(1, round(REPORT_SECONDS / LOOK_SECONDS))
        while not self.stopping.wait(LOOK_SECONDS):
            peak = max(peak, output_level(self.state))
            looks += 1
            if looks < every:
                continue
            level = round(peak, 3)  # the bar's resolution: a level that moves below it is not said again
            if level != said:
                self.report_status(level=level)
                said = level
            peak, looks = 0.0, 0
