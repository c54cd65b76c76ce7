"""The trunk's cached training features belong to the draw that made them (``train_sounds --seed`` and
``--copies``): features drawn with another seed or count of phone takes were reused as if the same. Real parts:
ESC-50 clips of fold 1, two rendered one-shots, the plans :func:`features` follows; a cache from before the
records is still used with the defaults it was drawn with (it took hours)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.oneshots import oneshot_folder
from exsampling_patch.models.sound_features import AUGMENTED_COPIES, FeatureSet, cached_parts, part_plans
from tests.models.esc50_links import linked_subset

SOURCE = "timgm6mb"  # one of musical.SOURCES: its plan is the one features() follows
PARTS = ("esc50_fold1", "esc50_phone_fold1", SOURCE)
ENTRY = {"package": "timgm6mb-soundfont", "recipe": "test-1", "total": 2}


def _data(esc50: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A data folder of fold 1's first dog and rain clips (linked), and a one-shot folder of two one-shots of
    :data:`SOURCE`: a decaying 220 Hz tone and a noise burst, 0.6 s at 44.1 kHz."""
    data = linked_subset(esc50, tmp_path / "esc50", lambda rows: [
        next(r for r in rows if r["fold"] == "1" and r["category"] == category) for category in ("dog", "rain")])
    rate = 44100
    t = np.arange(int(0.6 * rate)) / rate
    shots = {"acoustic_piano": 0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-4 * t),
             "snare": 0.5 * np.random.default_rng(0).standard_normal(t.size) * np.exp(-20 * t)}
    folder = oneshot_folder(tmp_path / "cache")
    for label, y in shots.items():
        (folder / SOURCE / label).mkdir(parents=True)
        sf.write(str(folder / SOURCE / label / f"{label}.flac"), y.astype(np.float32), rate)
    return data, folder


def _run(out: Path, data: Path, folder: Path, seed: int, copies: int, names: tuple[str, ...] = PARTS
         ) -> dict[str, Path]:
    """The parts ``names`` of :func:`features`' plans, cached in ``out`` or computed, with a random trunk."""
    plans = part_plans(SoundNet(1).eval(), data, folder, {SOURCE: ENTRY}, seed, copies)
    return cached_parts(out, [p for p in plans if p.name in names])


def _computed(capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """The parts the last calls computed, with their rows."""
    lines = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("features ")]
    return {words[1].rstrip(":"): int(words[2]) for words in lines}


def test_features_of_another_seed_or_count_of_copies_are_computed_again(
        esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, folder = _data(esc50, tmp_path)
    out = tmp_path / "features"
    out.mkdir()
    names = ("esc50_fold1", SOURCE)  # the phone takes' part is keyed as the folds' (the other test has it)

    paths = _run(out, data, folder, 0, AUGMENTED_COPIES, names)
    assert _computed(capsys) == {"esc50_fold1": 2 + 4 + 2, SOURCE: 2 * (1 + AUGMENTED_COPIES)}  # rain has 4 crops
    first = FeatureSet.load(paths["esc50_fold1"]).feats
    _run(out, data, folder, 0, AUGMENTED_COPIES, names)
    assert _computed(capsys) == {}, "the same draw is reused"

    _run(out, data, folder, 0, 1, names)
    assert _computed(capsys) == {SOURCE: 2 * (1 + 1)}, "another count of copies: the source's phone takes alone"
    _run(out, data, folder, 1, 1, names)
    assert set(_computed(capsys)) == set(names), "another seed: every part"
    again = FeatureSet.load(paths["esc50_fold1"]).feats
    assert again.shape == first.shape and not torch.allclose(again, first), "other crops"
    _run(out, data, folder, 0, AUGMENTED_COPIES, names)
    assert set(_computed(capsys)) == set(names), "back to the defaults: not the other draw's features"


def test_a_cache_from_before_the_records_serves_the_defaults_alone(
        esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ESC-50's parts had no record, a source its manifest entry: drawn with seed 0 and the default copies."""
    data, folder = _data(esc50, tmp_path)
    out = tmp_path / "features"
    out.mkdir()
    for name in PARTS:
        FeatureSet(torch.zeros(1, 3), ["dog"], ["a"], ["whole"]).save(out / f"{name}.pt")
    (out / f"{SOURCE}.from.json").write_text(json.dumps(ENTRY, sort_keys=True))
    _run(out, data, folder, 0, AUGMENTED_COPIES)
    assert _computed(capsys) == {}, "the defaults' cache is used as it is"
    _run(out, data, folder, 0, 1)
    assert set(_computed(capsys)) == {SOURCE}
    _run(out, data, folder, 1, 1)
    assert set(_computed(capsys)) == set(PARTS)
