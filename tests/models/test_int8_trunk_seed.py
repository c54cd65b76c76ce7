"""The int8 trunk that every cached part is computed with (and that ships) belongs to the seed that picked its
calibration takes (``train_sounds --seed``): a ``--seed 1`` run on a cache of seed 0 reused seed 0's trunk. Real
calibration of a small trunk on a tiny subset (two ESC-50 clips, two one-shots), the parts :func:`features` plans;
an int8 trunk from before its record named the seed still serves the default seed (that cache took hours)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.sound_features import cache_key, cached_parts, int8_key, int8_trunk, part_plans
from tests.models.test_feature_cache_draw import ENTRY, SOURCE, _computed, _data

PART = "esc50_fold1"


def _run(model: SoundNet, out: Path, data: Path, cache: Path, seed: int) -> None:
    """What :func:`features` does with a cache: the int8 trunk, then the part :data:`PART` (float features: the
    part's records are what is tested here, not its values)."""
    int8_trunk(out, model, data, cache, seed)
    plans = part_plans(model, data, cache / "oneshots", {SOURCE: ENTRY}, seed, 2)
    cached_parts(out, [p for p in plans if p.name == PART])


def _record(out: Path) -> str:
    return (out / "int8_trunk.from.json").read_text()


def test_another_seed_calibrates_another_int8_trunk_and_its_parts_again(
        esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, folder = _data(esc50, tmp_path)
    assert folder == tmp_path / "cache" / "oneshots"
    cache, out = tmp_path / "cache", tmp_path / "features"
    out.mkdir()
    torch.manual_seed(0)
    model = SoundNet(1).eval()
    fingerprint = cache_key(model)

    _run(model, out, data, cache, 0)
    assert _computed(capsys) == {"int8_trunk": 2 + 2, PART: 2 + 4 + 2}, "every take calibrates; rain has 4 crops"
    assert json.loads(_record(out)) == {"trunk": fingerprint, "seed": 0}
    _run(model, out, data, cache, 0)
    assert _computed(capsys) == {}, "the same seed: trunk and part reused"

    _run(model, out, data, cache, 1)
    assert set(_computed(capsys)) == {"int8_trunk", PART}, "another seed: its own calibration, and the part"
    assert _record(out) == int8_key(fingerprint, 1)
    _run(model, out, data, cache, 0)
    assert set(_computed(capsys)) == {"int8_trunk", PART}, "back to seed 0: not seed 1's trunk"


def test_an_int8_trunk_from_before_the_seed_was_recorded_serves_the_default_seed_alone(
        esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Its record was the trunk's fingerprint alone: calibrated with seed 0, the only seed run before."""
    data, _ = _data(esc50, tmp_path)
    cache, out = tmp_path / "cache", tmp_path / "features"
    out.mkdir()
    torch.manual_seed(0)
    model = SoundNet(1).eval()
    _run(model, out, data, cache, 0)
    (out / "int8_trunk.from.json").write_text(cache_key(model))  # as the cache was before
    capsys.readouterr()

    _run(model, out, data, cache, 0)
    assert _computed(capsys) == {}, "the default seed's cache is used as it is"
    _run(model, out, data, cache, 1)
    assert set(_computed(capsys)) == {"int8_trunk", PART}, "another seed: not the old record's calibration"

