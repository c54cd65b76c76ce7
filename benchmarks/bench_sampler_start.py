"""Benchmark of the sampler's audio process start-up: from the node's ``start()`` (the process spawned) to its first
message (the stream's sample rate) and to its stream open, under the JACK server.

Nearly all of it is the process's own start-up before it says anything: the interpreter and the modules it imports,
at the normal priority (it goes realtime only after), so that it stretches with the CPU share the process gets.

Usage: ``python benchmarks/bench_sampler_start.py [--runs 7]`` with a JACK server running (``make bench`` starts
one). Each run starts a fresh sampler node in this process; the figures are medians and ranges over the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler

HANG_SECONDS = 120.0  # a run whose process neither opens its stream nor tells why by then is counted as failed


def one_start() -> tuple[float, float, float] | None:
    """Seconds from ``start()`` to the rate said, to the stream opened, and the audio process's CPU seconds by then
    (its user and system time, read from /proc); None where it failed (its error printed)."""
    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    began = time.perf_counter()
    sampler.start()
    try:
        audio = sampler.audio
        deadline = began + HANG_SECONDS
        rate_at = opened_at = 0.0
        while time.perf_counter() < deadline and not context.errors and not opened_at:
            now = time.perf_counter()
            if not rate_at and audio.rate_known.is_set():
                rate_at = now
            if audio.opened.is_set():
                opened_at = now
                rate_at = rate_at or now
            time.sleep(0.002)
        if not opened_at:
            print(f"  failed: {context.errors or 'no stream within the guard'}")
            return None
        process = getattr(audio, "process", None)
        cpu = process_cpu(process.pid) if process is not None else 0.0
        return rate_at - began, opened_at - began, cpu
    finally:
        sampler.stop()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"median {statistics.median(values) * 1000:.0f} ms ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = [r for r in (one_start() for _ in range(args.runs)) if r is not None]
    print(f"sampler audio process start-up, {len(results)} of {args.runs} runs "
          f"(load {os.getloadavg()[0]:.1f}):")
    print("  start() -> sample rate said (first message): " + spread([r[0] for r in results]))
    print("  start() -> stream opened: " + spread([r[1] for r in results]))
    print("  the process's CPU time by then: " + spread([r[2] for r in results]))


if __name__ == "__main__":
    main()
