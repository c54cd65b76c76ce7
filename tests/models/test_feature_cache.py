"""Cached training features belong to the one-shots and the trunk they were computed from: a source rendered
again (another render recipe, another package version), or another trunk, has its features computed again, not
silently reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from exsampling_patch.models.model_file import trunk_fingerprint
from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.sound_features import (
    ANALYSIS,
    CALIBRATION_FOLDS,
    CALIBRATION_SOURCES,
    FeatureSet,
    cache_key,
    calibration_files,
    features_current,
    features_of_trunk,
    int8_key,
    older_records,
    part_key,
)


def _entry(recipe: str) -> dict:
    return {"package": "timgm6mb-soundfont", "version": "1.3-5", "kind": "soundfont", "recipe": recipe,
            "counts": {"kick": 96}, "total": 96}


def _records(entry: dict, seed: int = 0, copies: int = 2) -> tuple[str | None, ...]:
    """What a source's cached features may have beside them, as :func:`part_plans` asks."""
    return part_key(seed, copies, entry), *older_records(seed, copies, json.dumps(entry, sort_keys=True))


def test_features_follow_the_one_shots_they_were_made_from(tmp_path: Path) -> None:
    part = tmp_path / "timgm6mb.pt"
    assert not features_current(part, _records(_entry("render-2"))), "nothing cached yet"
    FeatureSet(torch.zeros(2, 3), ["kick", "kick"], ["a", "b"], ["clean", "phone"]).save(part)
    assert not features_current(part, _records(_entry("render-2"))), "features of a cache from before the record"
    (tmp_path / "timgm6mb.from.json").write_text(part_key(0, 2, _entry("render-2")))
    assert features_current(part, _records(_entry("render-2")))
    assert features_current(part, _records(json.loads(json.dumps(_entry("render-2"))))), "key order does not matter"
    assert not features_current(part, _records(_entry("render-3"))), "one-shots rendered by another recipe"
    assert not features_current(part, _records({**_entry("render-2"), "version": "1.3-6"})), "another package version"


def test_features_follow_the_trunk_they_were_made_with(tmp_path: Path) -> None:
    """A tuned trunk (or another --trunk) must not meet features, nor an int8 trunk, made with the one before."""
    part = tmp_path / "esc50_fold1.pt"
    FeatureSet(torch.zeros(1, 3), ["dog"], ["a"], ["whole"]).save(part)
    (tmp_path / "int8_trunk.pt").write_bytes(b"int8 of trunk A")
    (tmp_path / "int8_trunk.from.json").write_text(int8_key("A", 0))
    assert features_of_trunk(tmp_path, "A", 0)
    assert part.is_file(), "features of the same trunk are kept"
    assert not features_of_trunk(tmp_path, "B", 0)
    assert not part.is_file() and not (tmp_path / "int8_trunk.pt").exists(), "features of another trunk are deleted"


@pytest.mark.parametrize("record", ["A", json.dumps({"trunk": "A", "seed": 0}, sort_keys=True)],
                         ids=["fingerprint-alone", "no-folds"])
def test_an_int8_trunk_calibrated_on_fold_4_too_starts_afresh(tmp_path: Path, record: str) -> None:
    """Records from before the calibration folds were named (the fingerprint alone, then trunk and seed) were
    calibrated on clips of folds 1-4: fold 4's clips, on which the validation head is scored, must not shape the
    ranges, so such a cache is computed again."""
    part = tmp_path / "esc50_fold1.pt"
    FeatureSet(torch.zeros(1, 3), ["dog"], ["a"], ["whole"]).save(part)
    (tmp_path / "int8_trunk.pt").write_bytes(b"int8 of trunk A")
    (tmp_path / "int8_trunk.from.json").write_text(record)
    assert 4 not in CALIBRATION_FOLDS
    assert not features_of_trunk(tmp_path, "A", 0)
    assert not part.is_file()


def test_a_cache_from_before_the_record_starts_afresh(tmp_path: Path) -> None:
    (tmp_path / "int8_trunk.pt").write_bytes(b"int8 of some trunk")
    assert not features_of_trunk(tmp_path, "A", 0), "whose trunk made it is unknown"
    assert not (tmp_path / "int8_trunk.pt").exists()


def test_features_follow_how_takes_were_analysed(tmp_path: Path) -> None:
    """Features computed before the front end removed a DC offset must not be trained on after it: the same
    trunk, analysed another way, is another cache."""
    model = SoundNet(2)
    before = cache_key(model, "2026-12-04: the DC offset counted in the peak")
    assert cache_key(model) == cache_key(model, ANALYSIS) != before
    assert trunk_fingerprint(model) in before, "another trunk is still another cache"
    part = tmp_path / "esc50_fold1.pt"
    FeatureSet(torch.zeros(1, 3), ["dog"], ["a"], ["whole"]).save(part)
    (tmp_path / "int8_trunk.pt").write_bytes(b"int8 of the trunk")
    (tmp_path / "int8_trunk.from.json").write_text(before)
    assert not features_of_trunk(tmp_path, cache_key(model), 0)
    assert not part.is_file(), "features analysed the old way are deleted"


def test_int8_ranges_are_measured_on_no_clip_of_fold_4(esc50: Path, tmp_path: Path) -> None:
    """The validation head is scored on fold 4: none of its clips may be among the takes that set the int8
    trunks' activation ranges (19 of 64 were, before). ``esc50``: skipped where the data is not shared here."""
    folder = tmp_path / "oneshots" / "lmms" / "kick"
    folder.mkdir(parents=True)
    for i in range(3):
        (folder / f"shot{i}.flac").write_bytes(b"")
    files = calibration_files(esc50, tmp_path, seed=0, clips=64, one_shots=2)
    clips = [f for f in files if f.parent.name == "audio"]
    assert len(clips) == 64 and len(files) == 66
    assert {int(f.name.split("-")[0]) for f in clips} <= set(CALIBRATION_FOLDS) == {1, 2, 3}


def test_a_source_added_later_leaves_the_int8_calibration_as_it_was(esc50: Path, tmp_path: Path) -> None:
    """The one-shots that set the int8 ranges are drawn from the sources of 7 Dec only: a source added later would
    otherwise change the draw, the int8 trunk and with it every cached feature (hours of work)."""
    shots = tmp_path / "oneshots"
    for source in CALIBRATION_SOURCES:
        (shots / source / "kick").mkdir(parents=True)
        for i in range(4):
            (shots / source / "kick" / f"{source}_{i}.flac").write_bytes(b"")
    before = calibration_files(esc50, tmp_path, seed=0, clips=4, one_shots=8)
    (shots / "aaa_new" / "kick").mkdir(parents=True)
    for i in range(40):
        (shots / "aaa_new" / "kick" / f"new_{i}.flac").write_bytes(b"")
    assert calibration_files(esc50, tmp_path, seed=0, clips=4, one_shots=8) == before
    assert len(before) == 12 and not any("aaa_new" in str(f) for f in before)
