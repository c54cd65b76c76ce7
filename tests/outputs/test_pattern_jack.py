"""The pattern node playing the sampler under the JACK dummy server, the sampler's output recorded: for 30 s at 120
and then 30 s at 150 BPM every step's click comes back within 1 ms of its step, none missing, none doubled; and
the output latency the sampler compensates is the one JACK reports for the playback port it feeds."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from exsampling_patch.node import NodeContext

from .groove_rig import RATE, absolute_errors, groove_rig, onsets
from .jack_clock import JackClock

pytestmark = [pytest.mark.jack, pytest.mark.slow]
SECONDS = 30.0  # at each tempo
TOLERANCE_MS = 1.0
#: An onset heard from this long before an xrun was observed (the stall began before the callback that reported
#: it) to this long after it may be left out: the sampler's block clock takes the new phase up within a few blocks
#: (nodes/sampler/schedule.py), but the reference, JACK's own frame clock, settles for a second or so after a
#: burst of xruns (1.02 ms off 0.57 s after the last of 11 in 0.15 s, falling to 0.63 ms 0.5 s later, in a CI
#: check on 2 cores; 0.85 ms 0.5 s after one stall in an earlier run).
XRUN_BEFORE, XRUN_AFTER = 0.1, 1.5
MOST_EXCLUDED = 0.50  # of the onsets; with more, too few are left to judge by and the test is skipped
ABSOLUTE_MEDIAN_MS = 3.0  # see test_steps_are_heard_at_their_beat_time_on_the_clock
SLOW_MS, FAST_MS = 125.0, 100.0  # a sixteenth at 120 and at 150 BPM


def change_just_after_a_step_was_sent(pattern: Any) -> None:
    """Wait until a step has just been sent ahead: the tempo change then falls where that step is furthest in
    the future, the hardest case for the interval across the change."""
    sent = pattern._last_due
    while pattern._last_due == sent:
        time.sleep(0.001)
    time.sleep(0.01)


def stretches(due: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Index of the stretch each step falls in, the stretches split at ``cuts`` (times)."""
    return np.searchsorted(np.sort(cuts), due, side="right")


def test_steps_come_back_on_the_grid_at_120_then_150_bpm() -> None:
    """Each click's frame on JACK's frame counter (the recording's frame, plus the cycles JACK dropped in a
    stall) against its step's time (the ``due`` the node stamped the note with), the offset (the latency) fitted
    per tempo segment by the median. A stall of the dummy driver moves its frame counter against the clock by
    the time it lost, so an observed xrun also starts a new stretch with its own offset; onsets near an xrun
    observed at that time (the sampler's stream and the recorder's are flagged in their next callback) may be
    left out, counted and printed; when more than half are (a host that stalled again and again: 156 of 541
    onsets, xruns all through the last 15 s, in one clean-clone check), too few are left and the test is
    skipped, saying so. The steps' own times are checked on the grid: whole sixteenths
    at each tempo, and across the change an interval as the steps sent ahead allow (they keep their old-tempo
    times)."""
    jack = JackClock(f"exs-test-grid-{id(object())}")
    try:
        with groove_rig(slots=4, tempo=120.0, jack=jack) as (sampler, pattern, recorder):
            start = recorder.mark()
            xruns_before = sampler.state.xruns
            pattern.start()
            time.sleep(SECONDS)
            change_just_after_a_step_was_sent(pattern)
            changed = time.perf_counter()
            pattern.set_tempo(150.0)
            time.sleep(SECONDS)
            pattern.stop()
            time.sleep(0.3)
            found = onsets(recorder.since(start)) + start
            frames = recorder.jack_frame(found)
            monotonic = time.perf_counter() - time.monotonic()  # the sampler notes xruns on time.monotonic()
            xrun_at = np.concatenate([sampler.state.xrun_times(xruns_before) + monotonic, recorder.xrun_times()])
            due = np.array(pattern.context.due)
            late_events = sampler.stats()["late_events"]
    finally:
        jack.close()

    # the steps as sent: on the grid at each tempo, one interval across the change
    sent = np.diff(due) * 1000.0
    across = int(np.flatnonzero(np.abs(sent - SLOW_MS) > 0.01)[0])  # the interval across the change
    switch = across + 1  # the first step at the new tempo
    assert due[across] <= changed + pattern.lookahead_ms / 1000.0 + 0.01, "an old-tempo step sent after the change"
    slow, fast = sent[:across], sent[switch:]
    assert np.allclose(fast, FAST_MS, atol=0.01), f"steps off the grid (ms): {fast[np.abs(fast - FAST_MS) > 0.01]}"
    lookahead_steps = pattern.lookahead_ms / SLOW_MS
    change = sent[across]
    assert FAST_MS - (SLOW_MS - FAST_MS) * lookahead_steps - 0.01 < change < SLOW_MS + 0.01, change
    assert slow.size * SLOW_MS > (SECONDS - 1) * 1000 and fast.size * FAST_MS > (SECONDS - 1) * 1000

    # each step one click, in order: none missing, none doubled
    heard = np.diff(frames) / RATE * 1000.0
    if found.size != due.size and xrun_at.size:  # clicks lost in cycles the server dropped: nothing to judge by
        pytest.skip(f"the JACK server dropped audio ({xrun_at.size} xrun reports): {due.size} steps sent, "
                    f"{found.size} onsets heard")
    assert found.size == due.size, (f"{due.size} steps sent, {found.size} onsets; intervals off the steps' (ms): "
                                    f"{[round(float(h), 2) for h in heard[np.abs(heard - sent[:heard.size]) > 5]]}")

    # each click on its step: offsets per tempo segment and stretch between observed xruns
    error = frames / RATE - due
    segment = stretches(due, np.concatenate([[due[switch] - 1e-6], xrun_at]))
    excluded = np.zeros(due.size, bool)
    for x in xrun_at:
        excluded |= (due >= x - XRUN_BEFORE) & (due < x + XRUN_AFTER)
    errors_ms = np.zeros(due.size)
    for s in np.unique(segment[~excluded]):
        kept = (segment == s) & ~excluded
        errors_ms[kept] = (error[kept] - np.median(error[kept])) * 1000.0
    print(f"\n{due.size} steps, {found.size} onsets; {xrun_at.size} xrun reports; {int(excluded.sum())} onsets "
          f"left out near them ({excluded.mean():.1%}); error |median| per stretch removed: max "
          f"{np.abs(errors_ms).max():.3f} ms, p95 {np.percentile(np.abs(errors_ms[~excluded]), 95):.3f} ms; "
          f"late events {late_events}")
    if excluded.mean() > MOST_EXCLUDED:  # the host, not the pattern: nothing left to judge by
        pytest.skip(f"{int(excluded.sum())} of {due.size} onsets near xruns ({xrun_at.size} reports at "
                    f"{np.round(np.sort(xrun_at) - due[0], 1)} s): too few left to judge the grid by")
    worst = np.argsort(-np.abs(errors_ms))[:5]
    assert np.abs(errors_ms).max() < TOLERANCE_MS, (
        f"onsets off their steps (ms): {np.round(errors_ms[worst], 3)} at {np.round(due[worst] - due[0], 2)} s; "
        f"xruns at {np.round(np.sort(xrun_at) - due[0], 2)} s")


def test_steps_are_heard_at_their_beat_time_on_the_clock() -> None:
    """Absolute alignment: each click's time at the output (the JACK cycle it was rendered in, on JACK's clock
    mapped onto perf_counter's; plus its frame in the cycle; plus the output latency PortAudio reports, which the
    sampler compensates) against its step's time on the beat clock the node publishes.

    The median within 3 ms: a compensation wrong by one period (10.7 ms, PortAudio's figure against the
    server's) fails it, while a stall of a busy 2-core VM, after which JACK's own clock (the reference here) slews
    for seconds, does not (a median of -1.04 ms was seen so, the first onsets 40 ms off). The 1 ms figure is the
    benchmark's (benchmarks/bench_pattern.py prints median, p95 and max); on a run without xruns the test wants 90%
    of the onsets within 3 ms too (a host stall that JACK reports as no xrun still makes its clock slew by up to
    2 ms: p90 2.7 ms was seen so on a loaded machine, the errors rising and falling smoothly over seconds)."""
    jack = JackClock(f"exs-test-clock-{id(object())}")
    try:
        offset = jack.offset()  # perf_counter - JACK's clock
        with groove_rig(slots=4, tempo=120.0, jack=jack) as (sampler, pattern, recorder):
            start = recorder.mark()
            pattern.start()
            time.sleep(6.0)
            pattern.stop()
            time.sleep(0.3)
            found = onsets(recorder.since(start)) + start
            heard = recorder.cycle_time(found) + offset + sampler.state.output_latency
            errors_ms = absolute_errors(heard, pattern.beat_clock()) * 1000.0
            xruns = sampler.stats()["xruns"]
    finally:
        jack.close()
    assert found.size > 40, f"only {found.size} onsets came back"
    assert abs(float(np.median(errors_ms))) < ABSOLUTE_MEDIAN_MS, (np.median(errors_ms), xruns)
    if not xruns:
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
        assert sampler.audio.opened.wait(10)
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
