"""YAMNet's features of a take (models/yamnet.py), fast against the slow, obvious way, on one thread.

The classifier node analyses a take's loudest 3.84 s (``CLASSIFIED_SECONDS``), so that is the span that matters; 10 s
is printed beside it.
The two ways are run alternately on the same 44.1 kHz stereo noise, so that a shared host's load falls on both
alike: medians over ``--repeats`` rounds, and their ratio, which moves less than either on a busy host.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from host_check import cpu_line
from threadpoolctl import threadpool_limits

from exsampling_patch.models.oneshots import DEFAULT_CACHE
from exsampling_patch.models.yamnet import load_yamnet, log_mel, reference_features, take_features
from exsampling_patch.models.yamnet_weights import build


def medians(steps: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median ms of each step, the steps taken in turn each round (the first round warms up)."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for round_ in range(repeats + 1):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            if round_:
                times[name].append(1000 * (time.perf_counter() - started))
    return {name: statistics.median(t) for name, t in times.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=21, help="rounds (default %(default)s)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        model = load_yamnet(build(DEFAULT_CACHE, log=False))
        load_before = os.getloadavg()[0]
        print(f"YAMNet features, 1 thread, median of {args.repeats} alternated rounds (ms); {cpu_line()}")
        for seconds in (5, 10):
            take = (np.random.default_rng(0).standard_normal((seconds * 44100, 2)) * 0.1).astype(np.float32)
            m = medians({"obvious": functools.partial(reference_features, model, take, 44100),
                         "front end": functools.partial(log_mel, take, 44100),
                         "take_features": functools.partial(take_features, model, take, 44100)}, args.repeats)
            print(f"  {seconds} s take: take_features {m['take_features']:.1f} (front end {m['front end']:.1f}), "
                  f"the obvious way {m['obvious']:.1f}: {m['obvious'] / m['take_features']:.2f} times faster")
        print(f"  1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
              f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
