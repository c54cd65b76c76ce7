"""Benchmark of the classifier: model load time (a fresh process's first, and the median in one), ms per 10 s
take (1 and 2 threads), honest fold-4 accuracy.

Run ``python -m exsampling_patch.models.benchmark [--data ../shared/data/esc50] [--model FILE]``.

Fold-4 accuracy (whole-take windows) is measured with the *validation head*: the shipped trunk with the
head trained without ESC-50 fold 4 (``sounds_validation_head.pt``), so fold 4 is held-out data. The shipped
model's own head was trained on folds 1-4; its fold-4 score is a fit to training data and is not reported.
With ``--model`` (a model from ``exsampling train``) no accuracy is measured: its held-out accuracy is in
its card.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .classifier import VALIDATION_HEAD, Classifier, load_classifier, load_model_file, load_validation_classifier
from .features import CLASSIFIED_SECONDS, loudest_span, to_mono

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esc50"


def fold4_rows(data: str | Path) -> list[dict[str, str]]:
    """ESC-50 fold-4 rows of ``esc50.csv`` in file-name order (empty when the data is missing)."""
    meta = Path(data) / "esc50.csv"
    if not meta.is_file():
        return []
    with meta.open(newline="") as handle:
        return sorted((r for r in csv.DictReader(handle) if r["fold"] == "4"), key=lambda r: r["filename"])


def fold4_accuracy(clf: Classifier, data: str | Path, limit: int | None = None) -> tuple[float, int]:
    """(top-1 accuracy, clips) of ``clf`` on ESC-50 fold 4, whole-take windows (the first ``limit`` clips)."""
    rows = fold4_rows(data)[:limit] if limit else fold4_rows(data)
    if not rows:
        raise FileNotFoundError(f"no ESC-50 fold-4 clips under {data}")
    hits = sum(clf.predict_file(Path(data) / "audio" / r["filename"]).label == r["category"] for r in rows)
    return hits / len(rows), len(rows)


def two_clip_accuracy(clf: Classifier, data: str | Path, window: str = "whole",
                      spans: tuple[float | None, ...] = (None, CLASSIFIED_SECONDS)) -> dict[str, float]:
    """Top-1 accuracy on 10 s takes made of two fold-4 clips of one class (clips 1+2, 3+4, ... of each class,
    file-name order; 200 takes), scored whole (``None``) and on the loudest span of each length in ``spans``.

    Keys ``two_clip_whole`` / ``two_clip_3.84s`` ..., and ``two_clip_takes``.
    """
    import soundfile as sf

    by_class: dict[str, list[str]] = {}
    for row in fold4_rows(data):
        by_class.setdefault(row["category"], []).append(row["filename"])
    hits = dict.fromkeys(spans, 0)
    takes = 0
    for category, names in sorted(by_class.items()):
        for first, second in zip(names[0::2], names[1::2], strict=False):
            clips = [sf.read(str(Path(data) / "audio" / n), dtype="float32") for n in (first, second)]
            take = np.concatenate([clip for clip, _ in clips])
            takes += 1
            for span in spans:
                hits[span] += clf.predict(take, clips[0][1], window=window, max_seconds=span).label == category
    out = {f"two_clip_{'whole' if span is None else f'{span:g}s'}": round(hits[span] / max(1, takes), 4)
           for span in spans}
    out["two_clip_takes"] = takes
    return out


def time_takes(clf: Classifier, repeats: int = 20, thread_counts: tuple[int, ...] = (1, 2)) -> dict[str, float]:
    """Median and p95 ms per 10 s 44.1 kHz stereo take, for 1 and 2 threads: whole / 1 s windows over the
    whole take, and one window over its loudest :data:`CLASSIFIED_SECONDS` (``..._whole_3.84s``, what the classifier
    node does). For a model
    that carries YAMNet, the YAMNet part of those (already in them) apart too: ``..._yamnet`` on the whole take,
    ``..._yamnet_3.84s`` on its loudest span."""
    take = (np.random.default_rng(0).standard_normal((441_000, 2)) * 0.1).astype(np.float32)
    out: dict[str, float] = {}
    previous = torch.get_num_threads()
    try:
        for threads in thread_counts:
            torch.set_num_threads(threads)
            for window, span in (("whole", None), ("1s", None), ("whole", CLASSIFIED_SECONDS)):
                key = f"ms_10s_take_{threads}thread_{window}" + ("" if span is None else f"_{span:g}s")
                out.update(_timed(key, functools.partial(clf.predict, take, 44100, window=window, max_seconds=span),
                                  repeats))
            if clf.has_yamnet:
                for span in (None, CLASSIFIED_SECONDS):
                    first, last = loudest_span(to_mono(take), 44100, span or 0.0)
                    key = f"ms_10s_take_{threads}thread_yamnet" + ("" if span is None else f"_{span:g}s")
                    out.update(_timed(key, functools.partial(clf.yamnet_features, take[first:last], 44100), repeats))
    finally:
        torch.set_num_threads(previous)
    return out


def _timed(key: str, run: Callable[[], object], repeats: int) -> dict[str, float]:
    """``{key: median ms, key_p95: p95 ms}`` of ``repeats`` runs of ``run``, after one to warm up."""
    run()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append(1000 * (time.perf_counter() - t))
    return {key: round(statistics.median(times), 1), key + "_p95": round(float(np.percentile(times, 95)), 1)}


_FIRST_LOAD = """
import json, sys, time
t0 = time.perf_counter()
from exsampling_patch.models.classifier import load_classifier
t1 = time.perf_counter()
load_classifier(sys.argv[1] if len(sys.argv) > 1 else None)
t2 = time.perf_counter()
print(json.dumps({"import_ms": 1000 * (t1 - t0), "load_ms": 1000 * (t2 - t1)}))
"""


def first_load(model: str | None = None) -> dict[str, float]:
    """``{first_load_ms, first_import_ms}``: a fresh process's first :func:`load_classifier` of ``model``, and its
    import of the classifier before it. The median of loads in one process hides work done once a process (YAMNet's
    trace and freeze took 5-6 s there and never showed in it)."""
    import subprocess

    argv = [sys.executable, "-c", _FIRST_LOAD, *([] if model is None else [str(model)])]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"first_load_ms": round(figures["load_ms"], 1), "first_import_ms": round(figures["import_ms"], 1)}


def measure(model: str | None = None, data: str | Path | None = DEFAULT_DATA, repeats: int = 20,
            limit: int | None = None, load_runs: int = 5) -> dict[str, Any]:
    """Return the benchmark figures as a dict (see module doc): ``load_ms`` the median of ``load_runs`` loads in
    this process after one to warm up, ``first_load_ms`` a fresh process's first (:func:`first_load`)."""
    first = first_load(model)  # before this process reads the file: as cold as the file cache allows
    load_model_file(model)  # first read: file cache, torch lazy init
    load_times = []
    for _ in range(max(1, load_runs)):
        t = time.perf_counter()
        clf = load_classifier(model)
        load_times.append(1000 * (time.perf_counter() - t))
    out: dict[str, Any] = {"model": str(clf.path), "load_ms": round(statistics.median(load_times), 1),
                           **first, "yamnet": clf.has_yamnet, "file_mb": round(clf.path.stat().st_size / 1e6, 1)}
    out.update(time_takes(clf, repeats))
    if model is None and data is not None and fold4_rows(data):
        accuracy, clips = fold4_accuracy(load_validation_classifier(), data, limit)
        out["fold4_accuracy"] = round(accuracy, 4)
        out["fold4_clips"] = clips
        out["fold4_head"] = f"{VALIDATION_HEAD.name} (trained on folds 1-3; fold 4 held out)"
        out.update(two_clip_accuracy(load_validation_classifier(), data))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model file (default: the shipped one)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folder (esc50.csv, audio/)")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--limit", type=int, default=None, help="score only the first N fold-4 clips")
    args = ap.parse_args(argv)
    figures = measure(args.model, args.data, args.repeats, args.limit)
    print(json.dumps(figures, indent=1))
    if "fold4_accuracy" in figures:
        print(f"fold-4 accuracy {100 * figures['fold4_accuracy']:.2f}% on {figures['fold4_clips']} held-out clips: "
              "shipped trunk with the validation head (folds 1-3), not the shipped head (folds 1-4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
