"""A tempo step of the MIDI clock master that the pattern node finds (its tick line starts again) is told within a
few beats on jackd's default 21.3 ms periods (1024 frames), still as one line at the new tempo: before, the node's
readings there swing 2.4 BPM apart (118.6-121.0 from a master at 120), never agreeing within 0.6 BPM, and the line
waited for a mean over the whole five-second window: 90 -> 120 BPM was told 6.3 s (12.7 beats) after the step,
140 -> 120 6.2 s, 60 -> 180 5 s (15 beats). Simulated as test_console_tempo_step.py does: the node's real timeline
fed ticks on JACK's periods with a millisecond of jitter, its statuses read twice a second."""

from __future__ import annotations

import pytest

from tests.stage.test_console_tempo_step import CLOCK_BEATS, STATUS_EVERY, TICKS_PER_BEAT, arrived, said, sent

FRAMES = 1024  # jackd's default -p
LINE_BEATS = 2  # the node's full tick line (48 ticks): no tempo is read from fewer after a change
#: The node's line full again, then four statuses (the means that must agree) and one more for the status's slack.
TOLD_WITHIN = 5 * STATUS_EVERY


@pytest.mark.parametrize("old, new", [(90, 120), (140, 120), (60, 180), (100, 130)])
def test_a_step_the_node_finds_is_told_within_a_few_beats_as_one_line(old: int, new: int) -> None:
    ticks = sent(old, new, after=16)
    step = ticks[(CLOCK_BEATS + 4) * TICKS_PER_BEAT]
    for seed in range(3):
        lines = said(arrived(ticks, FRAMES / 48000, seed))
        assert [line for _, line in lines] == [f"started at {old} BPM", f"tempo {new} BPM"], (seed, lines)
        late = lines[1][0] - step
        assert late <= LINE_BEATS * 60.0 / new + TOLD_WITHIN, (seed, round(late, 2), round(late * new / 60.0, 1))
