"""The console's tempo lines for a MIDI clock master that steps its tempo a little, its ticks arriving on JACK's
periods with a millisecond of jitter: the node's real timeline fed those ticks, its statuses read twice a second as
it reports them. Before, 120 -> 118 BPM on 10.7 ms periods said "tempo 119", "tempo 117", "tempo 119" ... for as long
as the master played: the ticks, two periods apart, beat against the master's every 72 ticks and the node's two beats'
line read 117.2-119.0 in turn, each told. On 21.3 ms periods (jackd's default 1024 frames) a mean of those readings
over two beats still said "tempo 119", "tempo 117", "tempo 118", "tempo 119" ...: they swing 117.2-120.9 in a cycle of
about 3 s. A small step is told 6-8 s after it now (the mean over five seconds settled): the master plays on 24 beats
after its step."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import mido
import pytest

from exsampling_patch.commands.master_news import MasterNews
from exsampling_patch.nodes.midi_follow import MidiClockTimeline
from exsampling_patch.nodes.pattern_master import master_fields

TICKS_PER_BEAT = 24
STATUS_EVERY = 0.5  # the node reports twice a second
CLOCK_BEATS = 6  # beats of the master's clock before its start
PERIOD = 512 / 48000  # JACK's period here (scripts/services.sh)


def sent(old: float, new: float, ramp_beats: int = 0, after: int = 24, clock_beats: int = CLOCK_BEATS) -> list[float]:
    """When a master sends its ticks: ``old`` BPM, from four beats after its start ``new`` (over ``ramp_beats``)."""
    ticks, t = [], 0.0
    for tick in range((clock_beats + 4 + ramp_beats + after) * TICKS_PER_BEAT):
        beat = tick / TICKS_PER_BEAT - clock_beats - 4
        done = min(1.0, max(0.0, beat / ramp_beats)) if ramp_beats else float(beat >= 0)
        ticks.append(t)
        t += 60.0 / (old + (new - old) * done) / TICKS_PER_BEAT
    return ticks


def arrived(ticks: list[float], period: float, seed: int, jitter: float = 0.001) -> list[float]:
    """Each tick as a JACK client reads it: at the end of the period it was sent in, up to ``jitter`` later."""
    rng = random.Random(seed)
    return [math.ceil(t / period) * period + rng.uniform(0.0, jitter) for t in ticks]


def said(ticks: list[float], clock_beats: int = CLOCK_BEATS) -> list[tuple[float, str]]:
    """What the console says (with when) of a node fed ``ticks`` (their arrivals), the master started before the
    tick of beat ``clock_beats``."""
    timeline, news = MidiClockTimeline(120.0, 4.0), MasterNews()
    lines, status_at = [], STATUS_EVERY
    for tick, at in enumerate(ticks):
        if tick == clock_beats * TICKS_PER_BEAT:
            timeline.feed(mido.Message("start"), at - 0.001)
        while status_at < at:
            status = {"follows": "MIDI clock", "tempo": round(timeline.capture().tempo, 2), **master_fields(timeline)}
            line = news.line("groove", status, status_at)
            if line:
                lines.append((status_at, line))
            status_at += STATUS_EVERY
        timeline.feed(mido.Message("clock"), at)
    return lines


@pytest.mark.parametrize("old, new", [(120, 118), (120, 122), (80, 78), (174, 172), (120, 90), (60, 180)])
@pytest.mark.parametrize("period", [PERIOD, PERIOD / 2, PERIOD * 2], ids=["512", "256", "1024"])
def test_a_tempo_step_is_one_line_at_the_new_tempo(old: int, new: int, period: float) -> None:
    for seed in range(4):
        lines = [line for _, line in said(arrived(sent(old, new), period, seed))]
        assert lines == [f"started at {old} BPM", f"tempo {new} BPM"], (seed, lines)


@pytest.mark.parametrize("bpm", [60, 90, 118.3, 121.7, 174])
@pytest.mark.parametrize("frames", [256, 512, 1024, 2048])
def test_a_start_with_no_clock_before_tells_about_its_tempo_at_once_then_the_settled_one(bpm: float,
                                                                                       frames: int) -> None:
    """A master that sends its clock only while it plays: its first two beats' reading was told at once as its
    tempo, up to 1.5 BPM off on 1024 and 2048 frames, and later lines wait for the mean over ten beats to move 0.8
    BPM from it: 118.3 BPM said "tempo 119" for good (512 frames), 121.7 "tempo 121". That reading is "about" now,
    and the settled tempo follows where it is another."""
    for seed in range(4):
        lines = said(arrived(sent(bpm, bpm, clock_beats=0), frames / 48000, seed), clock_beats=0)
        assert lines[0] == (STATUS_EVERY, "started"), (seed, lines)
        about = int(lines[1][1].removeprefix("tempo about ").removesuffix(" BPM"))
        assert lines[1][0] <= 2 * 60.0 / bpm + 2 * STATUS_EVERY and abs(about - bpm) <= 2, (seed, lines)
        settled = [] if about == round(bpm) else [f"tempo {round(bpm)} BPM"]
        # On 42.7 ms periods the ten beats' mean of a steady 174 BPM master itself wanders 0.8 BPM, from a start with
        # clock before it too (its tempo lines following, docs/pattern.md): the start's lines alone are held here.
        later = lines[2:3] if (frames, bpm) == (2048, 174) and settled else lines[2:]
        assert [line for _, line in later] == settled, (seed, lines)


def test_a_ramp_on_jacks_periods_is_still_told_as_it_goes() -> None:
    """Ticks on JACK's periods keep the node's line full amid a ramp: the mean moves on past a step's time, and
    is told as it goes, down to the ramp's end."""
    ticks = sent(120, 90, ramp_beats=32)
    ramp_from, ramp_to = ticks[(CLOCK_BEATS + 4) * TICKS_PER_BEAT], ticks[(CLOCK_BEATS + 4 + 32) * TICKS_PER_BEAT]
    for seed in range(3):
        lines = said(arrived(ticks, PERIOD, seed))
        assert lines[0][1] == "started at 120 BPM" and lines[-1][1] == "tempo 90 BPM", lines
        amid = [(at, int(line.split()[1])) for at, line in lines if ramp_from < at <= ramp_to]
        assert len(amid) >= 8 and all(b[1] < a[1] for a, b in pairwise(amid)), lines  # down, a line or more a 2 s
        assert all(b[0] - a[0] <= 2.0 for a, b in pairwise([*amid, (ramp_to, 0)])), lines
