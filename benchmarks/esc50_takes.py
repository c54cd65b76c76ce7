"""Ten-second takes made of real recordings, for the benchmarks that run the classifier (not a benchmark itself:
``scripts/bench.sh`` runs only ``bench_*.py``)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ESC50 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "esc50"


def ten_second_takes(count: int, rate: int) -> list[tuple[str, np.ndarray]]:
    """``(class, samples)`` of up to ``count`` takes: the first two ESC-50 fold-4 clips of one class joined
    (5 s each), resampled to ``rate``, one class per take in name order."""
    with open(ESC50 / "esc50.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["fold"] == "4"]
    by_class: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_class[row["category"]].append(row["filename"])
    takes = []
    for category in sorted(by_class)[:count]:
        clips = [sf.read(ESC50 / "audio" / name, dtype="float32")[0] for name in by_class[category][:2]]
        takes.append((category, soxr.resample(np.concatenate(clips), 16000, rate, quality="HQ").astype(np.float32)))
    return takes
