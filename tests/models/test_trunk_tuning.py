"""Trunk tuning: it never trains on what it scores, mixes sounds as sounds mix, learns, and hands its trunk to
``train_sounds --trunk``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from exsampling_patch.models.features import compress
from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.sound_features import trunk_model
from exsampling_patch.models.trunk_tuning import (
    LEFT_OUT_SOURCES,
    TuningInputs,
    _mix,
    pooled_features,
    save_tuned_trunk,
    score,
    start_trunk,
    tune_trunk,
    tuning_rows,
)

LABELS = ["dog", "kick", "snare"]
SLOTS = {"dog": "Bass", "kick": "BD", "snare": "Snare"}


def _toy_inputs(n_per: int = 12, seed: int = 0) -> TuningInputs:
    """Each label is loud in its own band range; rows from ESC-50 folds 1-4, a sound font and the left-out
    sources, as the real inputs have them."""
    rng = np.random.default_rng(seed)
    specs, labels, sources, kinds, folds = [], [], [], [], []
    places = [("esc50", f) for f in (1, 2, 3, 4)] + [("fluidr3", 0)] + [(s, 0) for s in LEFT_OUT_SOURCES]
    for source, fold in places:
        for label in range(len(LABELS)):
            for i in range(n_per):
                spec = rng.uniform(0.0, 0.05, (int(rng.integers(16, 40)), 71)).astype(np.float32)
                spec[:, 20 * label : 20 * label + 15] += 0.3
                specs.append(spec)
                labels.append(label)
                sources.append(source)
                kinds.append("clean" if i % 2 else "phone")
                folds.append(fold)
    return TuningInputs(specs, np.array(labels), sources, kinds, np.array(folds), LABELS, SLOTS)


def test_tuning_never_trains_on_what_it_scores() -> None:
    inputs = _toy_inputs(n_per=2)
    rows = tuning_rows(inputs)
    trained = {(inputs.sources[i], int(inputs.folds[i])) for i in rows}
    assert trained == {("esc50", 1), ("esc50", 2), ("esc50", 3), ("fluidr3", 0)}


def test_mixup_mixes_the_powers_of_two_sounds() -> None:
    """Two sounds played together add their powers: mixing in the log-mel domain would not."""
    rng = np.random.default_rng(1)
    powers = rng.uniform(0.0, 0.02, (2, 8, 71)).astype(np.float32)
    x = torch.from_numpy(compress(powers))
    y = torch.eye(2)
    gen = torch.Generator().manual_seed(3)
    mixed, soft = _mix(x, y, 0.4, gen)
    lam = float(soft[0, 0])
    other = int(soft[0].argmin()) if lam < 1.0 else 0
    expected = compress(lam * powers[0] + (1 - lam) * powers[other])
    np.testing.assert_allclose(mixed[0].numpy(), expected, atol=2e-5)


def test_tuning_trains_trunk_and_head_together() -> None:
    """From a random trunk and head, tuning fits three labels end to end: the model's own head (the standardised
    head folded back into it) scores fold 4 and a left-out source right, and the trunk has moved."""
    torch.manual_seed(0)
    inputs = _toy_inputs(n_per=8)
    rows = tuning_rows(inputs)
    model = SoundNet(len(LABELS), width=4)
    start = {k: v.clone() for k, v in model.trunk.state_dict().items()}
    tune_trunk(model, inputs, rows, "cpu", epochs=10, trunk_lr=1e-4, head_lr=1e-3, batch=16, log=False)
    with torch.no_grad():
        probs = torch.softmax(model.head(pooled_features(model, inputs.specs, "cpu")), 1).numpy()
    scores = score(probs, inputs)
    assert scores["fold4_top1"] >= 0.9, scores
    assert scores["tonejs_clean_slot"] >= 0.9, scores
    assert not torch.equal(start["conv_block1.conv1.weight"], model.trunk.conv_block1.conv1.weight)


def test_a_tuned_trunk_is_what_train_sounds_reads(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = SoundNet(3)
    path = tmp_path / "tuned.pt"
    save_tuned_trunk(model, path, {"epochs": 0})
    read = trunk_model(path, 5).trunk.state_dict()
    for key, value in model.trunk.state_dict().items():
        torch.testing.assert_close(read[key], value.half().to(value.dtype) if value.is_floating_point() else value)
    assert start_trunk(path).keys() == read.keys()
