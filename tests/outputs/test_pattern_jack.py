"""The pattern node playing the sampler under the JACK dummy server, the sampler's output recorded: at 120 and
then at 150 BPM every step's click comes back within 1 ms of its step, none missing, none doubled, and is heard
at its step's time on the beat clock the node publishes; and the output latency the sampler compensates is the
one JACK reports for the playback port it feeds.

The first two tests judge one recording (a module fixture): :data:`SECONDS` at each tempo. Issue 19 checked
30 s at each (``EXS_GROOVE_SECONDS=30`` runs that); the checks are per step and per stretch, so a few seconds
judge the same things, and benchmarks/bench_pattern.py measures long runs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.clock import BeatClock
from tests.sampler_start import opened_or_told

from .groove_rig import RATE, absolute_errors, groove_rig, onsets
from .jack_clock import JackClock

pytestmark = [pytest.mark.jack, pytest.mark.slow]
#: At each tempo: past the block clock's start (it narrows its loop over the first 3 s), and 31 steps at 120 BPM.
SECONDS = float(os.environ.get("EXS_GROOVE_SECONDS", "4"))
#: Recordings a host too busy to judge by (see :func:`unusable`) may take before the grid test skips.
ATTEMPTS = 3
TOLERANCE_MS = 1.0
#: An onset heard from this long before an xrun was observed (the stall began before the callback that reported
#: it) to this long after it may be left out: the sampler's block clock takes the new phase up within a few blocks
#: (nodes/sampler/schedule.py), but the reference, JACK's own frame clock, settles for a second or so after a
#: burst of xruns (1.02 ms off 0.57 s after the last of 11 in 0.15 s, falling to 0.63 ms 0.5 s later, in a CI
#: check on 2 cores; 0.85 ms 0.5 s after one stall in an earlier run).
XRUN_BEFORE, XRUN_AFTER = 0.1, 1.5
#: An onset whose note-on the sampler had with less time to spare than its output latency and a block (the
#: ``Forward`` context notes it) may have missed the callback that rendered its block: the sampler then plays it
#: at once, late (``late_events``), by design (nodes/sampler/schedule.py, LATE_PLAY_SECONDS). The pattern sends
#: 100 ms ahead, so such a note was handed over after the host stalled the sending thread for 60 ms or more (a
#: step 23.75 ms off, "late events 1", no xrun, once under load): the host's doing, as an xrun or a late step,
#: not the block clock's, which this test judges. It alone is left out (the clock is not moved by it), and the
#: sampler's late events must all be such notes.
MOST_EXCLUDED = 0.50  # of the onsets; with more, too few are left to judge by and the recording is not judged
ABSOLUTE_MEDIAN_MS = 3.0  # see test_steps_are_heard_at_their_beat_time_on_the_clock
SLOW_MS, FAST_MS = 125.0, 100.0  # a sixteenth at 120 and at 150 BPM


def change_just_after_a_step_was_sent(pattern: Any) -> None:
    """Wait until a step has just been sent ahead: the tempo change then falls where that step is furthest in
    the future, the hardest case for the interval across the change."""
    sent = pattern._last_due
    while pattern._last_due == sent:
        time.sleep(0.001)
    time.sleep(0.01)


def off_grid(intervals: np.ndarray, step_ms: float) -> np.ndarray:
    """Which of the ``intervals`` (ms) between steps sent are not a whole number of ``step_ms`` steps."""
    whole = np.round(intervals / step_ms)
    return (whole < 1) | (np.abs(intervals - whole * step_ms) > 0.01)


def skipped(intervals: np.ndarray, step_ms: float) -> int:
    """The steps missing between steps sent ``intervals`` (ms) apart on a grid of ``step_ms``, each interval a whole
    number of steps: those the node skipped, its thread stalled past their time."""
    off = off_grid(intervals, step_ms)
    assert not off.any(), f"steps off the grid (ms): {intervals[off]}"
    return int((np.round(intervals / step_ms) - 1).sum())


def stretches(due: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Index of the stretch each step falls in, the stretches split at ``cuts`` (times)."""
    return np.searchsorted(np.sort(cuts), due, side="right")


@dataclass
class Groove:
    """One recording: the steps as sent and the clicks as heard, with what the host did meanwhile."""

    due: np.ndarray  # each step's time (perf_counter), as the node stamped it
    frames: np.ndarray  # each onset's frame on JACK's frame counter
    heard: np.ndarray  # each onset's time at the output, perf_counter (JACK's clock mapped onto it)
    xrun_at: np.ndarray  # perf_counter of each xrun observed (the sampler's stream or the recorder's)
    changed: float  # when the tempo went from 120 to 150
    lookahead_ms: float
    slow_clock: BeatClock  # the node's beat clock before the change and after it
    fast_clock: BeatClock
    late_events: int
    xruns: int  # the sampler's, since its start
    late_steps: int  # the steps the node skipped, its thread stalled past their time (a host stall, as an xrun)
    handed_late: np.ndarray  # each step: its note-on reached the sampler maybe too late for its block

    @property
    def switch(self) -> int:
        """The first step at the new tempo (the interval before it is the one across the change, the first that is
        not a whole number of sixteenths at 120 BPM)."""
        return int(np.flatnonzero(off_grid(np.diff(self.due) * 1000.0, SLOW_MS))[0]) + 1

    def excluded(self) -> np.ndarray:
        """The steps heard near an observed xrun (see :data:`XRUN_BEFORE`) or handed to the sampler late (see
        :data:`MOST_EXCLUDED`)."""
        out = self.handed_late.copy()
        for x in self.xrun_at:
            out |= (self.due >= x - XRUN_BEFORE) & (self.due < x + XRUN_AFTER)
        return out


def record(jack: JackClock) -> Groove:
    """:data:`SECONDS` at 120 BPM, the change to 150 just after a step was sent ahead, :data:`SECONDS` at 150."""
    offset = jack.offset()  # perf_counter - JACK's clock
    with groove_rig(slots=4, tempo=120.0, jack=jack) as (sampler, pattern, recorder):
        start = recorder.mark()
        xruns_before = sampler.state.xruns
        pattern.start()
        time.sleep(SECONDS)
        change_just_after_a_step_was_sent(pattern)
        slow_clock = pattern.beat_clock()
        changed = time.perf_counter()
        pattern.set_tempo(150.0)
        time.sleep(SECONDS)
        fast_clock = pattern.beat_clock()
        pattern.stop()
        time.sleep(0.3)
        found = onsets(recorder.since(start)) + start
        monotonic = time.perf_counter() - time.monotonic()  # the sampler notes xruns on time.monotonic()
        return Groove(
            due=np.array(pattern.context.due), frames=recorder.jack_frame(found),
            heard=recorder.cycle_time(found) + offset + sampler.state.output_latency,
            xrun_at=np.concatenate([sampler.state.xrun_times(xruns_before) + monotonic, recorder.xrun_times()]),
            changed=changed, lookahead_ms=pattern.lookahead_ms, slow_clock=slow_clock, fast_clock=fast_clock,
            late_events=sampler.stats()["late_events"], xruns=sampler.stats()["xruns"], late_steps=pattern.late_steps,
            handed_late=np.array(pattern.context.spare) < sampler.state.output_latency + jack.period / RATE)


def unusable(groove: Groove) -> str | None:
    """Why a recording cannot be judged on the grid (the host, not the pattern), or None: clicks lost in cycles
    the server dropped, or over half the onsets near xruns (a host that stalled again and again: 156 of 541
    onsets, xruns all through the last 15 s, in one clean-clone check of a 60 s run)."""
    if groove.frames.size != groove.due.size and groove.xrun_at.size:
        return (f"the JACK server dropped audio ({groove.xrun_at.size} xrun reports): {groove.due.size} steps sent, "
                f"{groove.frames.size} onsets heard")
    excluded = groove.excluded()
    if excluded.mean() > MOST_EXCLUDED:
        return (f"{int(excluded.sum())} of {groove.due.size} onsets near xruns ({groove.xrun_at.size} reports at "
                f"{np.round(np.sort(groove.xrun_at) - groove.due[0], 1)} s): too few left to judge the grid by")
    return None


@pytest.fixture(scope="module")
def groove() -> Iterator[tuple[Groove, str | None]]:
    """A recording to judge and, where none of :data:`ATTEMPTS` could be, why (the last one is kept)."""
    jack = JackClock(f"exs-test-grid-{id(object())}")
    try:
        for _ in range(ATTEMPTS):
            take = record(jack)
            reason = unusable(take)
            if reason is None:
                break
            print(f"\nrecorded again: {reason}")
    finally:
        jack.close()
    yield take, reason


def test_steps_come_back_on_the_grid_at_120_then_150_bpm(groove: tuple[Groove, str | None]) -> None:
    """Each click's frame on JACK's frame counter (the recording's frame, plus the cycles JACK dropped in a
    stall) against its step's time (the ``due`` the node stamped the note with), the offset (the latency) fitted
    per tempo segment by the median. A stall of the dummy driver moves its frame counter against the clock by
    the time it lost, so an observed xrun also starts a new stretch with its own offset; onsets near an xrun
    observed at that time (the sampler's stream and the recorder's are flagged in their next callback) may be
    left out, counted and printed; a recording that :func:`unusable` rejects is made again, and the test
    skips, saying why, when none of :data:`ATTEMPTS` could be judged. The steps' own times are checked on the
    grid: whole sixteenths at each tempo, and across the change an interval as the steps sent ahead allow (they
    keep their old-tempo times). A step missing from the grid must be one the node counted in ``late_steps``: its
    thread stalled past the step's time (the host's doing, as an xrun; 120 ms once in a 62 s run), so it skipped
    the step rather than play it late."""
    take, reason = groove
    due, frames, xrun_at = take.due, take.frames, take.xrun_at

    # the steps as sent: on the grid at each tempo, one interval across the change
    sent = np.diff(due) * 1000.0
    switch = take.switch
    across = switch - 1  # the interval across the change
    assert due[across] <= take.changed + take.lookahead_ms / 1000.0 + 0.01, "an old-tempo step sent after the change"
    slow, fast = sent[:across], sent[switch:]
    missing = skipped(slow, SLOW_MS) + skipped(fast, FAST_MS)
    assert missing == take.late_steps, f"{missing} steps missing from the grid, {take.late_steps} counted as late"
    lookahead_steps = take.lookahead_ms / SLOW_MS
    change = sent[across]
    assert FAST_MS - (SLOW_MS - FAST_MS) * lookahead_steps - 0.01 < change < SLOW_MS + 0.01, change
    assert slow.size * SLOW_MS > (SECONDS - 1) * 1000 and fast.size * FAST_MS > (SECONDS - 1) * 1000

    handed_late = int(take.handed_late.sum())
    if not take.xrun_at.size:  # (cycles dropped make late events of notes handed over in time: left out near them)
        assert take.late_events <= handed_late, f"{take.late_events} late events, {handed_late} handed over late"

    # each step one click, in order: none missing, none doubled
    if reason is not None:
        pytest.skip(reason)
    heard = np.diff(frames) / RATE * 1000.0
    assert frames.size == due.size, (f"{due.size} steps sent, {frames.size} onsets; intervals off the steps' (ms): "
                                     f"{[round(float(h), 2) for h in heard[np.abs(heard - sent[:heard.size]) > 5]]}")

    # each click on its step: offsets per tempo segment and stretch between observed xruns
    error = frames / RATE - due
    segment = stretches(due, np.concatenate([[due[switch] - 1e-6], xrun_at]))
    excluded = take.excluded()
    errors_ms = np.zeros(due.size)
    for s in np.unique(segment[~excluded]):
        kept = (segment == s) & ~excluded
        errors_ms[kept] = (error[kept] - np.median(error[kept])) * 1000.0
    print(f"\n{due.size} steps, {frames.size} onsets; {xrun_at.size} xrun reports; {int(excluded.sum())} onsets "
          f"left out near them ({excluded.mean():.1%}); error |median| per stretch removed: max "
          f"{np.abs(errors_ms).max():.3f} ms, p95 {np.percentile(np.abs(errors_ms[~excluded]), 95):.3f} ms; "
          f"late events {take.late_events}, notes handed over late {handed_late}; late steps {take.late_steps}")
    worst = np.argsort(-np.abs(errors_ms))[:5]
    assert np.abs(errors_ms).max() < TOLERANCE_MS, (
        f"onsets off their steps (ms): {np.round(errors_ms[worst], 3)} at {np.round(due[worst] - due[0], 2)} s; "
        f"xruns at {np.round(np.sort(xrun_at) - due[0], 2)} s")


def test_steps_are_heard_at_their_beat_time_on_the_clock(groove: tuple[Groove, str | None]) -> None:
    """Absolute alignment: each click's time at the output (the JACK cycle it was rendered in, on JACK's clock
    mapped onto perf_counter's; plus its frame in the cycle; plus the output latency PortAudio reports, which the
    sampler compensates) against its step's time on the beat clock the node publishes: the 120 BPM one for the
    clicks heard before the change, the 150 BPM one for those heard after the steps it had sent ahead (those keep
    their old-tempo times, on neither grid).

    The median within 3 ms: a compensation wrong by one period (10.7 ms, PortAudio's figure against the
    server's) fails it, while a stall of a busy 2-core VM, after which JACK's own clock (the reference here) slews
    for seconds, does not (a median of -1.04 ms was seen so, the first onsets 40 ms off). The 1 ms figure is the
    benchmark's (benchmarks/bench_pattern.py prints median, p95 and max); on a run without xruns the test wants 90%
    of the onsets within 3 ms too (a host stall that JACK reports as no xrun still makes its clock slew by up to
    2 ms: p90 2.7 ms was seen so on a loaded machine, the errors rising and falling smoothly over seconds)."""
    take, _ = groove
    before = take.heard < take.changed
    after = take.heard > take.changed + take.lookahead_ms / 1000.0 + 0.02
    errors_ms = np.concatenate([absolute_errors(take.heard[before], take.slow_clock),
                                absolute_errors(take.heard[after], take.fast_clock)]) * 1000.0
    assert before.sum() > 2 * SECONDS and after.sum() > 2 * SECONDS, (before.sum(), after.sum())
    assert errors_ms.size > 40, f"only {errors_ms.size} onsets came back"
    assert abs(float(np.median(errors_ms))) < ABSOLUTE_MEDIAN_MS, (np.median(errors_ms), take.xruns)
    if not take.xruns:
        assert float(np.percentile(np.abs(errors_ms), 90)) < ABSOLUTE_MEDIAN_MS, np.percentile(np.abs(errors_ms), 90)


@pytest.mark.parametrize("audio_process", [True, False], ids=["audio-process", "in-process"])
def test_the_sampler_compensates_the_playback_latency_jack_reports(audio_process: bool) -> None:
    """PortAudio reports one JACK period (what it buffers); the server's playback ports add the period of its
    asynchronous mode (nodes/sampler/stream.py, JackGraph): the sampler compensates the larger, the server's."""
    from exsampling_patch.nodes.sampler import Sampler
    from exsampling_patch.nodes.sampler.stream import JackGraph

    sampler = Sampler("smp-latency", {"virtual_port": "", "audio_process": audio_process}, NodeContext())
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: sampler.context.errors), sampler.context.errors
        graph = JackGraph("exs-test-latency")
        try:
            ours = {port for port in graph.output_ports(sampler.audio.jack_client) if ":out_" in port}
            fed = {theirs: graph.playback_latency(theirs) for port in ours for theirs in graph.connections(port)}
        finally:
            graph.close()
        assert fed, f"the sampler's ports {ours} feed nothing"
        frames = max(fed.values())
        assert frames > 0, fed
        reported = sampler.stats()["output_latency_ms"]
        print(f"\nplayback latency {fed} frames; the sampler compensates {reported:.2f} ms")
        assert reported == pytest.approx(frames / RATE * 1000.0), fed
    finally:
        sampler.stop()
