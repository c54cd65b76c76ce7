"""Benchmark of the pattern node playing all eight sampler slots under the JACK server.

Prints the onset timing error of the recorded clicks against the step grid (median, p95, max; the grid's offset
fitted over each onset's 16 neighbours, i.e. after the constant latency, and across cycles JACK dropped in a
stall); the absolute error: when each click is heard (the JACK cycle it was rendered in, on JACK's clock, plus
its frame in it, plus the output latency the sampler compensates: JACK's playback latency) less its step's time on
the pattern node's beat clock, over all onsets and over those 5 s or more after any xrun (JACK's own clock,
the reference, slews for seconds after one); missing and doubled steps, late events, xruns, the compensated output
latency, and the callback's share of its budget (blocksize / rate) with the pattern playing.

Usage: ``python benchmarks/bench_pattern.py [--seconds 30] [--tempo 120]`` with a JACK server running
(``make bench``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.outputs.groove_rig import RATE, absolute_errors, grid_errors, groove_rig, onsets
from tests.outputs.jack_clock import JackClock


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tempo", type=float, default=120.0)
    args = parser.parse_args()
    jack = JackClock("exs-bench-clock")
    offset = jack.offset()  # perf_counter - JACK's clock
    with groove_rig(slots=8, tempo=args.tempo, jack=jack) as (sampler, pattern, recorder):
        start = recorder.mark()
        callbacks = sampler.state.callbacks
        pattern.start()
        time.sleep(args.seconds)
        pattern.stop()
        time.sleep(0.3)
        signal = recorder.since(start)
        stats = sampler.stats()
        times = sampler.state.recent_callback_seconds()[-(sampler.state.callbacks - callbacks):]
        beat_clock = pattern.beat_clock()
        latency = sampler.state.output_latency
        monotonic = time.perf_counter() - time.monotonic()
        xrun_at = sampler.state.xrun_at[: min(stats["xruns"], sampler.state.xrun_at.size)] + monotonic
        heard = recorder.cycle_time(onsets(signal) + start) + offset + latency
    jack.close()
    step_frames = 60.0 / args.tempo / 4 * RATE
    found = onsets(signal)
    intervals = np.diff(found)
    expected = round((found[-1] - found[0]) / step_frames) + 1
    # Each onset against the grid through its 16 neighbours: a stall that made JACK drop cycles shifts the
    # recording's own frame count after it, which one grid through the whole run would count as error.
    residual = grid_errors(found, step_frames)
    local = np.array([residual[i] - np.median(residual[max(0, i - 8): i + 9]) for i in range(residual.size)])
    errors_ms = np.abs(local) / RATE * 1000.0
    block = 512  # JACK's period under make bench; the share uses the median block seen
    budget = block / RATE
    share = times / budget * 100.0
    print(f"pattern: 8 slots, one hit per step, {args.tempo:g} BPM, {args.seconds:g} s, {found.size} onsets "
          f"({expected} steps between the first and the last)")
    print(f"onset error vs the step grid (ms): median {np.median(errors_ms):.3f}, p95 "
          f"{np.percentile(errors_ms, 95):.3f}, max {errors_ms.max():.3f}")
    absolute = absolute_errors(heard, beat_clock) * 1000.0
    calm = np.array([not np.any((xrun_at <= t) & (t < xrun_at + 5.0)) for t in heard], bool)
    for label, part in (("all onsets", absolute), (f"{int(calm.sum())} onsets 5 s or more after an xrun",
                                                   absolute[calm])):
        if part.size:
            print(f"absolute error vs the beat clock, {label} (ms): median {np.median(part):+.3f}, p95 |e| "
                  f"{np.percentile(np.abs(part), 95):.3f}, max |e| {np.abs(part).max():.3f}")
    print(f"missing {expected - found.size}, doubled {int(np.sum(intervals < step_frames / 2))}, late events "
          f"{stats['late_events']}, dropped as too late {stats.get('late_dropped', 0)}, dropped before the stream "
          f"played {stats.get('unstarted_dropped', 0)}, xruns {stats['xruns']}, "
          f"output latency (compensated) "
          f"{stats['output_latency_ms']:.2f} ms")
    print(f"callback share of a {block}-frame block: median {np.median(share):.1f}%, p95 "
          f"{np.percentile(share, 95):.1f}%, max {share.max():.1f}% ({times.size} callbacks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
