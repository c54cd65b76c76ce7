"""The int8 trunk that every cached part is computed with (and that ships) belongs to the seed that picked its
calibration takes (``train_sounds --seed``): a ``--seed 1`` run on a cache of seed 0 reused seed 0's trunk. Real
calibration of a small trunk on a tiny subset (two ESC-50 clips, two one-shots), the parts :func:`features` plans;
an int8 trunk from before its record named the calibration folds is calibrated again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.sound_features import (
    CALIBRATION_FOLDS,
    cache_key,
    cached_parts,
    int8_key,
    int8_trunk,
    part_plans,
)
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
    assert json.loads(_record(out)) == {"trunk": fingerprint, "seed": 0, "calibration_folds": [1, 2, 3]}
    _run(model, out, data, cache, 0)
    assert _computed(capsys) == {}, "the same seed: trunk and part reused"

    _run(model, out, data, cache, 1)
    assert set(_computed(capsys)) == {"int8_trunk", PART}, "another seed: its own calibration, and the part"
    assert _record(out) == int8_key(fingerprint, 1)
    _run(model, out, data, cache, 0)
    assert set(_computed(capsys)) == {"int8_trunk", PART}, "back to seed 0: not seed 1's trunk"


@pytest.mark.parametrize("old_record", ["fingerprint", "trunk and seed"])
def test_an_int8_trunk_from_before_its_folds_were_recorded_is_calibrated_again(
        esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], old_record: str) -> None:
    """Records from before :data:`CALIBRATION_FOLDS` (the fingerprint alone, then trunk and seed) belong to trunks
    calibrated on fold 4's clips too, the validation head's: such a trunk and its parts are computed again."""
    data, _ = _data(esc50, tmp_path)
    cache, out = tmp_path / "cache", tmp_path / "features"
    out.mkdir()
    torch.manual_seed(0)
    model = SoundNet(1).eval()
    _run(model, out, data, cache, 0)
    before = {"fingerprint": cache_key(model),
              "trunk and seed": json.dumps({"trunk": cache_key(model), "seed": 0}, sort_keys=True)}[old_record]
    (out / "int8_trunk.from.json").write_text(before)  # as the cache was before
    capsys.readouterr()

    _run(model, out, data, cache, 0)
    assert set(_computed(capsys)) == {"int8_trunk", PART}
    assert json.loads(_record(out))["calibration_folds"] == list(CALIBRATION_FOLDS)
