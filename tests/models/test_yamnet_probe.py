"""The YAMNet probe (models/yamnet_probe.py) on a small real ESC-50 subset: it reads folds 1-4 alone, caches what it
embeds, and its regression, chosen by cross-validation on folds 1-3, tells fold 4's dogs from its rain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from exsampling_patch.models.oneshots import DEFAULT_CACHE
from exsampling_patch.models.yamnet import FEATURES, load_yamnet
from exsampling_patch.models.yamnet_probe import choose_c, clip_rows, features, fit_probe, fused, paired
from exsampling_patch.models.yamnet_weights import build
from tests.models.esc50_links import linked_subset


def _subset(esc50: Path, out: Path, extra: list[dict[str, str]] | None = None) -> Path:
    """A data folder of the first two dog and rain clips of each fold (16 clips), linked, not copied."""
    return linked_subset(esc50, out, lambda rows: [
        r for fold in "1234" for category in ("dog", "rain")
        for r in [r for r in rows if r["fold"] == fold and r["category"] == category][:2]], extra or [])


def test_the_probe_reads_only_folds_1_to_4(esc50: Path, tmp_path: Path) -> None:
    # A made-up row of another fold (no such file is read): a probe that took every row would list it.
    held = {"filename": "0-000000-A-0.flac", "fold": "0", "target": "0", "category": "dog", "esc10": "True",
            "src_file": "0", "take": "A"}
    data = _subset(esc50, tmp_path / "esc50", [held])
    rows = clip_rows(data)
    assert len(rows) == 16 and {r["fold"] for r in rows} == {"1", "2", "3", "4"}


def test_the_probe_caches_its_features_and_tells_dogs_from_rain(esc50: Path, tmp_path: Path) -> None:
    data = _subset(esc50, tmp_path / "esc50", [])
    weights = build(DEFAULT_CACHE, log=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = load_yamnet(weights)
        x, y, fold, names = features(model, weights, data, tmp_path / "cache", log=False)
        cached = next((tmp_path / "cache" / "yamnet").glob("esc50_folds1-4_*.npz"))
        written = cached.stat().st_mtime_ns
        again = features(model, weights, data, tmp_path / "cache", log=False)
    finally:
        torch.set_num_threads(threads)
    assert cached.stat().st_mtime_ns == written and np.array_equal(again[0], x), "read from the cache"
    assert f"_{FEATURES}_" in cached.name, "features computed another way are another cache's"
    assert x.shape == (16, 2048) and len(names) == 16
    c, means = choose_c(x, y, fold, strengths=(0.01, 0.1))
    assert c in means
    test = fold == 4
    probe = fit_probe(x[~test], y[~test], c)
    assert (probe.predict(x[test]) == y[test]).all()
    # Fusion: a confident right answer outweighs a hesitant wrong one.
    assert fused(np.array([[0.9, 0.1]]), np.array([[0.4, 0.6]])).argmax() == 0


def test_the_paired_figures_count_each_side_and_bound_the_gain() -> None:
    right = np.tile([True] * 8 + [False] * 2, 10)  # 100 clips: right on 80, the baseline on 50
    baseline = np.tile([True] * 4 + [False] * 4 + [True, False], 10)
    gains, losses, points, low, high = paired(right, baseline)
    assert (gains, losses) == (40, 10) and abs(points - 30.0) < 1e-9
    # The difference's standard error is about 5.7 points: the interval is about 30 +- 11, clear of 0.
    assert 15.0 < low < points < high < 45.0
    assert paired(right, baseline) == (gains, losses, points, low, high), "seeded: a rerun prints the same"
