"""The console's tempo lines for a MIDI clock master ramping its tempo, from the statuses a pattern node gives: its
real timeline (the tick line that starts again at each tempo change it finds) fed the ticks of a master sending them
exactly on time, as a hardware master heard without JACK's periods does, read twice a second as the node reports."""

from __future__ import annotations

from itertools import pairwise

import mido

from exsampling_patch.commands.master_news import TEMPO_EVERY, MasterNews
from exsampling_patch.nodes.midi_follow import MidiClockTimeline
from exsampling_patch.nodes.pattern_master import master_fields

TICKS_PER_BEAT = 24
STATUS_EVERY = 0.5  # the node reports twice a second


def said(ramp_beats: int) -> tuple[list[tuple[float, str]], float, float]:
    """(each line the console said with its time, the ramp's start, its end) for a master started at 120 BPM that goes
    to 90 over ``ramp_beats`` beats (0: at once), four beats in, and plays eight beats more."""
    timeline, news = MidiClockTimeline(120.0, 4.0), MasterNews()
    ticks, t = [], 0.0
    for tick in range((2 + 4 + ramp_beats + 8) * TICKS_PER_BEAT):  # two beats of clock before its start
        beat = tick / TICKS_PER_BEAT - 2
        ramped = min(1.0, max(0.0, (beat - 4) / ramp_beats)) if ramp_beats else float(beat >= 4)
        ticks.append(t)
        t += 60.0 / (120.0 - 30.0 * ramped) / TICKS_PER_BEAT
    start, ramp_from, ramp_to = (ticks[2 * TICKS_PER_BEAT], ticks[6 * TICKS_PER_BEAT],
                                 ticks[(6 + ramp_beats) * TICKS_PER_BEAT])
    lines, next_status = [], STATUS_EVERY
    for at in ticks:
        if at == start:
            timeline.feed(mido.Message("start"), at - 0.001)
        while next_status < at:
            status = {"follows": "MIDI clock", "tempo": round(timeline.capture().tempo, 2), **master_fields(timeline)}
            line = news.line("groove", status, next_status)
            if line:
                lines.append((next_status, line))
            next_status += STATUS_EVERY
        timeline.feed(mido.Message("clock"), at)
    return lines, ramp_from, ramp_to


def test_a_master_ramping_its_tempo_is_told_as_it_goes() -> None:
    # Before: nothing from the ramp's start until two beats after its end (the node's line, restarted at each change
    # it found, held 17 to 41 ticks throughout, never the 48 a tempo was told from); the performer heard it move.
    lines, ramp_from, ramp_to = said(32)
    assert lines[0][1] == "started at 120 BPM" and lines[-1][1] == "tempo 90 BPM", lines
    amid = [(at, int(line.split()[1])) for at, line in lines if ramp_from < at <= ramp_to]
    # through to its end: no more than two seconds without a line (before a line of the node's half a beat was told,
    # its last five seconds said nothing)
    assert amid and all(b[0] - a[0] <= 2.0 for a, b in pairwise([*amid, (ramp_to, 0)])), lines
    assert all(b[1] < a[1] and b[0] - a[0] >= TEMPO_EVERY for a, b in pairwise(amid)), lines  # down, 1 s apart
    assert all(line.startswith("tempo ") for _, line in lines[1:]), lines


def test_a_single_tempo_change_is_still_one_line() -> None:
    lines, _, _ = said(0)
    assert [line for _, line in lines] == ["started at 120 BPM", "tempo 90 BPM"], lines
