"""How far YAMNet's frozen embeddings carry ESC-50, alone and beside the shipped classifier (models/MODEL_CARD.md,
"Lead: YAMNet")::

    python -m exsampling_patch.models.yamnet_probe [--data ../shared/data/esc50] [--cache ~/.cache/exsampling]

Builds the weights if needed (:mod:`.yamnet_weights`), embeds ESC-50 folds 1-4 alone (:data:`FOLDS`) as :func:`~.yamnet.
pooled` features (cached), fits a logistic regression on folds 1-3 (its strength chosen by leave-one-fold-out
validation within folds 1-3), and prints fold 4's top-1: the probe's, the shipped validation classifier's over its
ESC-50 labels, and the two fused (their log-probabilities averaged); then the time one 5 s take's features take
on one thread. The regression is scikit-learn's (installed with librosa).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .benchmark import DEFAULT_DATA
from .oneshots import DEFAULT_CACHE
from .yamnet import FEATURE_SIZE, FEATURES, YamNet, load_yamnet, log_mel, patches, take_features
from .yamnet_weights import build

__all__ = ["FOLDS", "choose_c", "clip_rows", "features", "fit_probe", "fused", "paired", "shipped_probabilities",
           "time_take"]

FOLDS = (1, 2, 3, 4)
"""The folds the probe reads, and the only ones: the rest is held out for the independent check."""
STRENGTHS = (0.003, 0.01, 0.03, 0.1, 0.3)
"""Inverse L2 strengths (scikit-learn's ``C``) tried by cross-validation on folds 1-3."""
FUSION_WEIGHT = 0.5
OTHER_WEIGHTS = (0.3, 0.7)
"""Fusion weights on the probe printed beside the fixed half: read off fold 4, so not a figure to quote."""
BOOTSTRAPS = 10_000


def clip_rows(data: Path) -> list[dict[str, str]]:
    """``esc50.csv``'s rows of folds 1-4, in file-name order."""
    with (Path(data) / "esc50.csv").open(newline="") as handle:
        rows = sorted((r for r in csv.DictReader(handle) if int(r["fold"]) in FOLDS), key=lambda r: r["filename"])
    return rows


def _read(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    y, rate = sf.read(str(path), dtype="float32")
    return y, int(rate)


def features(model: YamNet, weights: Path, data: Path, cache: Path,
             log: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Pooled features (``(clips, 2048)``), targets, folds and file names of folds 1-4, computed once and cached
    beside the weights (keyed by the weights' digest and :data:`~.yamnet.FEATURES`)."""
    rows = clip_rows(data)
    digest = hashlib.sha256(Path(weights).read_bytes()).hexdigest()[:12]
    path = Path(cache) / "yamnet" / f"esc50_folds1-4_{FEATURES}_{digest}.npz"
    names = [r["filename"] for r in rows]
    if path.is_file():
        saved = np.load(path)
        if list(saved["names"]) == names:
            return saved["x"], saved["y"], saved["fold"], names
    started = time.perf_counter()
    x = np.zeros((len(rows), FEATURE_SIZE), np.float32)
    for i, row in enumerate(rows):
        x[i] = take_features(model, *_read(Path(data) / "audio" / row["filename"]))
        if log and (i + 1) % 200 == 0:
            print(f"embedded {i + 1}/{len(rows)} clips in {time.perf_counter() - started:.0f} s", flush=True)
    y = np.array([int(r["target"]) for r in rows])
    fold = np.array([int(r["fold"]) for r in rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.npz")
    np.savez(partial, x=x, y=y, fold=fold, names=np.array(names))
    partial.replace(path)
    return x, y, fold, names


def fit_probe(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    """Standardised features, then an L2 logistic regression of strength ``c`` (a fitted scikit-learn pipeline)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000)).fit(x, y)


def choose_c(x: np.ndarray, y: np.ndarray, fold: np.ndarray,
             strengths: Sequence[float] = STRENGTHS) -> tuple[float, dict[float, float]]:
    """The strength with the best mean accuracy over folds 1, 2 and 3, each held out from the other two; and
    every strength's mean."""
    means = {}
    for c in strengths:
        scores = []
        for held in (1, 2, 3):
            train, test = (fold <= 3) & (fold != held), fold == held
            scores.append(float((fit_probe(x[train], y[train], c).predict(x[test]) == y[test]).mean()))
        means[c] = float(np.mean(scores))
    return max(means, key=lambda c: means[c]), means


def shipped_probabilities(data: Path, names: Sequence[str],
                          categories: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """The shipped validation classifier's probabilities of ``categories`` (ESC-50's, in target order) for each
    clip, renormalised over them (its musical labels left out); and its own best label of each (of all 76)."""
    from .classifier import load_validation_classifier

    clf = load_validation_classifier(threads=1)
    out = np.zeros((len(names), len(categories)))
    best = []
    for i, name in enumerate(names):
        prediction = clf.predict_file(Path(data) / "audio" / name)
        assert prediction.probabilities is not None
        labels = list(prediction.labels)
        out[i] = [prediction.probabilities[labels.index(c)] for c in categories]
        best.append(prediction.label)
    return out / out.sum(axis=1, keepdims=True), best


def fused(p_probe: np.ndarray, p_shipped: np.ndarray, weight: float = FUSION_WEIGHT) -> np.ndarray:
    """The two classifiers' log-probabilities, averaged (``weight`` on the probe's)."""
    return weight * np.log(p_probe + 1e-9) + (1 - weight) * np.log(p_shipped + 1e-9)


def paired(right: np.ndarray, baseline: np.ndarray, seed: int = 0,
           resamples: int = BOOTSTRAPS) -> tuple[int, int, float, float, float]:
    """Two classifiers' per-clip correctness on the same clips: the clips only ``right`` gets, those only
    ``baseline`` gets, the difference in points, and its 95% bootstrap interval (clips resampled with replacement;
    seeded, so a rerun prints the same)."""
    diff = right.astype(float) - baseline.astype(float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, (resamples, diff.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return (int((right & ~baseline).sum()), int((~right & baseline).sum()), 100 * float(diff.mean()),
            100 * float(low), 100 * float(high))


def _report_paired(p_probe: np.ndarray, p_shipped: np.ndarray, own: np.ndarray, truth: np.ndarray) -> None:
    """Prints the probe and the fused classifier against the shipped one's own labels, clip by clip, and the
    fusion at other weights."""
    for name, p in (("probe", p_probe), ("fused", fused(p_probe, p_shipped))):
        gains, losses, points, low, high = paired(p.argmax(1) == truth, own)
        print(f"paired against the shipped classifier (its 76 labels): {name} right where it is wrong {gains}, "
              f"the reverse {losses}: {points:+.2f} points, bootstrap 95% interval {low:.2f} to {high:.2f}")
    others = ", ".join(f"{w:g} {100 * (fused(p_probe, p_shipped, w).argmax(1) == truth).mean():.2f}%"
                       for w in OTHER_WEIGHTS)
    print(f"fused at other weights on the probe (read off fold 4, not to quote): {others}")


def time_take(model: YamNet, seconds: float = 5.0, repeats: int = 21) -> dict[str, float]:
    """Median ms on this thread setting for a 44.1 kHz stereo take of ``seconds`` (5 s: the loudest span that the
    classifier node analyses): resampling and front end, the trunk on its patches, and the whole of
    :func:`~.yamnet.take_features`; the three taken in turn, so that a shared host's load falls on each alike."""
    take = (np.random.default_rng(0).standard_normal((round(seconds * 44100), 2)) * 0.1).astype(np.float32)
    x = torch.from_numpy(patches(log_mel(take, 44100))).unsqueeze(1)

    def trunk() -> None:
        with torch.inference_mode():
            model(x)

    steps = {"front_end_ms": lambda: log_mel(take, 44100), "trunk_ms": trunk,
             "take_features_ms": lambda: take_features(model, take, 44100)}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for round_ in range(repeats + 1):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            if round_:  # the first round warms up
                times[name].append(1000 * (time.perf_counter() - started))
    return {"patches": float(x.shape[0]), **{name: round(statistics.median(t), 1) for name, t in times.items()}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folder (default %(default)s)")
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="cache folder (default %(default)s)")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(limits=1):  # one core: the host is shared, and the timing is a one-thread figure
        weights = build(Path(args.cache))
        model = load_yamnet(weights)
        x, y, fold, names = features(model, weights, Path(args.data), Path(args.cache))
        c, means = choose_c(x, y, fold)
        print("CV on folds 1-3 (mean top-1): " + ", ".join(f"C={k:g} {100 * v:.2f}%" for k, v in means.items()))
        train, test = fold <= 3, fold == 4
        probe = fit_probe(x[train], y[train], c)
        p_probe = probe.predict_proba(x[test])
        with (Path(args.data) / "esc50.csv").open(newline="") as handle:
            categories = [c for _, c in sorted({int(r["target"]): r["category"] for r in csv.DictReader(handle)}
                                               .items())]
        p_shipped, best = shipped_probabilities(Path(args.data),
                                                [n for n, t in zip(names, test, strict=True) if t], categories)
        truth = y[test]
        own_right = np.array([label == categories[t] for label, t in zip(best, truth, strict=True)])
        own = own_right.mean()
        print(f"fold 4 top-1 ({int(test.sum())} clips): YAMNet probe (C={c:g}) "
              f"{100 * (p_probe.argmax(1) == truth).mean():.2f}%; shipped validation classifier "
              f"{100 * own:.2f}% (its 76 labels), {100 * (p_shipped.argmax(1) == truth).mean():.2f}% (ESC-50's 50); "
              f"fused {100 * (fused(p_probe, p_shipped).argmax(1) == truth).mean():.2f}%")
        _report_paired(p_probe, p_shipped, own_right, truth)
        print(f"one 5 s take at 44.1 kHz (the loudest span the node analyses), 1 thread, median of 21 (ms), load "
              f"{os.getloadavg()[0]:.1f}: {time_take(model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
