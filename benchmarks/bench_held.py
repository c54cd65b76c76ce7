"""Benchmark of the sampler's callback with many timed events held (no sound device: the core rendered block by block).

A pattern-like load: on 8 channels a hit every 2 blocks (256 frames at 48 kHz), each with the previous hit's
note-off due just before it, sent ``--ahead`` seconds ahead (0.5 s: about 740 events held), and an untimed
all-notes-off on one channel every 50 blocks. Prints how many events are held and the render time per block
(median, p95, max, in microseconds; the block's budget is 5333 us).

Usage: ``python benchmarks/bench_held.py [--ahead 0.5] [--blocks 6000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON
from tests.outputs.helpers import sine_take


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ahead", type=float, default=0.5, help="how far ahead hits are sent (seconds)")
    parser.add_argument("--blocks", type=int, default=6000)
    args = parser.parse_args()
    node = Sampler("bench-held", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    node.start()
    try:
        for slot in ("HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"):
            node.on_assign(SlotAssignment(slot, sine_take(440.0, seconds=30.0, rate=48000)))
        core, ring = node.core, node.state.ring
        block_seconds = 256 / 48000
        out = np.zeros((256, 2), np.float32)
        base, sent, times = 1000.0, 0, []
        for b in range(args.blocks):
            while sent < b + int(args.ahead / block_seconds):
                if sent % 2 == 0:
                    for channel in range(8):
                        due = base + (sent + 0.3) * block_seconds
                        ring.push(NOTE_OFF, channel, 60, 0, 0.0, due - 0.0001)
                        ring.push(NOTE_ON, channel, 60, 100, 0.0, due)
                sent += 1
            if b % 50 == 25:
                ring.push(ALL_OFF, b % 8, 0, 0, 0.0, 0.0)
            started = time.perf_counter()
            core.render(out, at=base + b * block_seconds)
            times.append(time.perf_counter() - started)
            if b % 500 == 0:
                node.state.played.take(100000)
        held = core.held.count
    finally:
        node.stop()
    t = np.array(times[min(500, len(times) // 2):]) * 1e6
    print(f"held {held}  render per block (us): median {np.median(t):.1f}  p95 {np.percentile(t, 95):.1f}  "
          f"max {t.max():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
