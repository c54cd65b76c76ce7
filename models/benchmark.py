"""Benchmark of the classifier: model load time, ms per 10 s take (1 and 2 threads), fold-4 accuracy.

Run ``python -m exsampling_patch.models.benchmark [--data ../shared/data/esc50] [--model FILE]``.
Fold-4 accuracy is measured with whole-take windows; note that the shipped model was trained on folds 1-4
(its honest fold-4 figure, from training on folds 1-3, is in ``MODEL_CARD.md``).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .classifier import load_classifier, load_model_file

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esc50"


def measure(model: str | None = None, data: str | Path | None = DEFAULT_DATA, repeats: int = 20,
            limit: int | None = None) -> dict[str, Any]:
    """Return the benchmark figures as a dict (see module doc)."""
    load_model_file(model)  # first read: file cache, torch lazy init
    t = time.perf_counter()
    clf = load_classifier(model)
    load_s = time.perf_counter() - t
    take = (np.random.default_rng(0).standard_normal((441_000, 2)) * 0.1).astype(np.float32)
    out: dict[str, Any] = {"model": str(clf.path), "load_ms": round(1000 * load_s, 1)}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for window in ("whole", "1s"):
            clf.predict(take, 44100, window=window)
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                clf.predict(take, 44100, window=window)
                times.append(time.perf_counter() - t)
            out[f"ms_10s_take_{threads}thread_{window}"] = round(1000 * statistics.median(times), 1)
    if data is not None and (Path(data) / "esc50.csv").is_file():
        rows = [r for r in csv.DictReader((Path(data) / "esc50.csv").open()) if r["fold"] == "4"]
        rows = rows[:limit] if limit else rows
        hits = sum(clf.predict_file(Path(data) / "audio" / r["filename"]).label == r["category"] for r in rows)
        out["fold4_accuracy"] = round(hits / len(rows), 4)
        out["fold4_clips"] = len(rows)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model file (default: the shipped one)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folder (esc50.csv, audio/)")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args(argv)
    print(json.dumps(measure(args.model, args.data, args.repeats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
