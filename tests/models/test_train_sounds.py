"""The head's fitting: class-balanced softmax regression, and the mean of several seeds' heads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from exsampling_patch.models import train_sounds
from exsampling_patch.models.train_sounds import FeatureSet, fit_head, fit_heads

LABELS = ["dog", "kick", "snare"]


def blobs(rows_per_label: tuple[int, ...] = (200, 40, 40), rows_seed: int = 0) -> FeatureSet:
    """Three labels as separate clouds in 16 dimensions (the same centres whatever ``rows_seed``), the first
    label far more numerous than the others."""
    centres = torch.randn(len(LABELS), 16, generator=torch.Generator().manual_seed(99)) * 3.0
    generator = torch.Generator().manual_seed(rows_seed)
    feats, labels = [], []
    for i, count in enumerate(rows_per_label):
        feats.append(centres[i] + torch.randn(count, 16, generator=generator))
        labels += [LABELS[i]] * count
    return FeatureSet(torch.cat(feats), labels, [f"g{i}" for i in range(len(labels))], ["clean"] * len(labels))


def accuracy(data: FeatureSet, weight: torch.Tensor, bias: torch.Tensor) -> float:
    predicted = (data.feats @ weight.T + bias).argmax(1)
    truth = torch.tensor([LABELS.index(label) for label in data.labels])
    return float((predicted == truth).float().mean())


def test_a_head_separates_labels_it_was_trained_on_and_generalises() -> None:
    weight, bias = fit_head(blobs(), LABELS, c=0.01, epochs=30, batch_size=64)
    assert weight.shape == (3, 16) and bias.shape == (3,)
    assert accuracy(blobs(), weight, bias) > 0.97
    assert accuracy(blobs((60, 60, 60), rows_seed=1), weight, bias) > 0.95  # new rows, each label as many
    untrained = (torch.zeros_like(weight), torch.zeros_like(bias))
    assert accuracy(blobs((60, 60, 60), rows_seed=1), *untrained) < 0.4


def test_several_seeds_give_the_mean_of_their_heads() -> None:
    data = blobs()
    heads = [fit_head(data, LABELS, c=0.01, epochs=3, seed=seed, batch_size=64) for seed in (0, 1)]
    assert not torch.allclose(heads[0][0], heads[1][0])  # another mini-batch order: another head
    weight, bias = fit_heads(data, LABELS, c=0.01, epochs=3, seeds=2, batch_size=64)
    assert torch.allclose(weight, (heads[0][0] + heads[1][0]) / 2, atol=1e-6)
    assert torch.allclose(bias, (heads[0][1] + heads[1][1]) / 2, atol=1e-6)


def test_sources_of_one_package_are_left_out_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LMMS's samples and its DrumSynth presets come from one package (lmms-common): the head that scores one
    of them has learnt from neither, or the validation head's LMMS figure would flatter it. One head is fitted
    for the two: their training sets are the same."""
    def part(source: str, labels: list[str], kind: str) -> FeatureSet:
        feats = torch.randn(len(labels), 16, generator=torch.Generator().manual_seed(len(source)))
        return FeatureSet(feats, labels, [f"{source}:{i}" for i in range(len(labels))], [kind] * len(labels))

    parts = {f"esc50_fold{f}": part(f"esc50_fold{f}", ["dog"] * 8, "whole") for f in (1, 2, 3, 4)}
    for source in ("fluidr3", "lmms", "drumsynth", "tonejs"):
        parts[source] = part(source, ["kick", "snare"] * 4, "phone")
    trained_on: dict[int, set[str]] = {}  # id of a fitted weight -> the sources it learnt from
    scored_by: dict[str, set[str]] = {}  # source -> what the head that scored it learnt from

    def recording_fit(train: FeatureSet, labels: list[str], *args: object, **kwargs: object) -> tuple:
        weight = torch.randn(len(labels), 16, generator=torch.Generator().manual_seed(len(trained_on)))
        trained_on[id(weight)] = {group.split(":")[0] for group in train.groups}
        return weight, torch.zeros(len(labels))

    real_logits = train_sounds._logits

    def recording_logits(feats: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> object:
        scored_by.update({name: trained_on[id(weight)] for name, p in parts.items() if p.feats is feats})
        return real_logits(feats, weight, bias)

    monkeypatch.setattr(train_sounds, "fit_heads", recording_fit)
    monkeypatch.setattr(train_sounds, "_logits", recording_logits)
    summary = train_sounds.loso(parts, c=0.01, epochs=1, out=tmp_path)
    assert scored_by["lmms"] == {"esc50_fold1", "esc50_fold2", "esc50_fold3", "fluidr3", "tonejs"}
    assert scored_by["drumsynth"] == scored_by["lmms"]
    assert {"lmms", "drumsynth"} <= scored_by["fluidr3"] and "fluidr3" not in scored_by["fluidr3"]
    assert len(trained_on) == 3, "one fit for fluidr3, one for lmms-common's two sources, one for tonejs"
    assert "esc50_fold4" not in set().union(*trained_on.values())
    assert set(summary["sources"]) == {"fluidr3", "lmms", "drumsynth", "tonejs"}


def musical_parts(dims: int = 16) -> dict[str, FeatureSet]:
    """ESC-50 folds 1-4 of dogs and two musical sources of kicks and snares, ``dims`` random features a row."""
    def part(source: str, labels: list[str], kind: str) -> FeatureSet:
        feats = torch.randn(len(labels), dims, generator=torch.Generator().manual_seed(len(source)))
        return FeatureSet(feats, labels, [f"{source}:{i}" for i in range(len(labels))], [kind] * len(labels))

    parts = {f"esc50_fold{f}": part(f"esc50_fold{f}", ["dog"] * 4, "whole") for f in (1, 2, 3, 4)}
    for source in ("fluidr3", "tonejs"):
        parts[source] = part(source, ["kick", "snare"] * 2, "phone")
    return parts


def test_loso_records_the_rows_its_threshold_was_calibrated_with(tmp_path: Path) -> None:
    summary = train_sounds.loso(musical_parts(), c=0.01, epochs=1, out=tmp_path)
    rows = {"dog": "Bass", "kick": "BD", "snare": "Snare"}  # the shipped table's
    assert summary["gate_table"] == rows == train_sounds.calibration_table(LABELS)
    assert json.loads((tmp_path / "loso.json").read_text())["gate_table"] == rows


def test_ship_writes_the_rows_of_the_loso_it_ships_with(tmp_path: Path) -> None:
    """``ship`` on an earlier ``loso`` wrote the shipped table of the day beside a threshold calibrated with the
    rows of that loso: a table edited in between had the model judged by rows it was never calibrated with."""
    from exsampling_patch.models.features import CLASSIFIED_SECONDS
    from exsampling_patch.models.model_file import load_model_file, save_model_file
    from exsampling_patch.models.network import SoundNet
    from exsampling_patch.models.oneshots import oneshot_folder

    trunk = save_model_file(SoundNet(len(LABELS)), LABELS, tmp_path / "trunk.pt")  # a small real model file
    cache = tmp_path / "cache"
    oneshot_folder(cache).mkdir(parents=True)
    (oneshot_folder(cache) / "manifest.json").write_text("{}")
    (cache / "features").mkdir()
    (cache / "features" / "int8_trunk.pt").write_bytes(b"\0")
    parts = musical_parts(SoundNet(len(LABELS)).feature_dim)
    calibrated = {"dog": "Bass", "kick": "BD", "snare": "HH"}  # as if snares were on HH when loso ran
    summary = {"temperature": 1.5, "gate_threshold": 0.5, "ece": 0.01, "gate_table": calibrated}
    shipped = train_sounds.ship(parts, trunk, tmp_path, cache, summary, c=0.01, epochs=1, seed=0,
                                out=tmp_path / "with", slot_weight=0.3)
    meta = load_model_file(shipped).meta
    assert meta["gate_table"] == calibrated and meta["gate_threshold"] == 0.5
    assert meta["span_seconds"] == CLASSIFIED_SECONDS  # the span its takes' features are of: check reads it
    del summary["gate_table"]  # a loso.json from before it recorded its rows: the shipped table's, as check reads
    older = train_sounds.ship(parts, trunk, tmp_path, cache, summary, c=0.01, epochs=1, seed=0, out=tmp_path / "old")
    assert load_model_file(older).meta["gate_table"] == {"dog": "Bass", "kick": "BD", "snare": "Snare"}


@pytest.mark.parametrize(("asked", "threads"), [(["--threads", "3"], 3), ([], len(os.sched_getaffinity(0)))])
def test_training_runs_torch_on_the_threads_asked_for(tmp_path: Path, asked: list[str], threads: int) -> None:
    """Training ran torch on 2 threads whatever the machine: ``--threads`` (as ``exsampling train`` has it), by
    default the cores this process may use. A cache that is a file ends the run at its first step, the threads set."""
    cache = tmp_path / "cache"
    cache.write_text("a file, not a folder")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with pytest.raises(FileExistsError):
            train_sounds.main(["features", "--cache", str(cache), "--data", str(tmp_path), *asked])
        assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)


def test_training_refuses_no_threads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        train_sounds.main(["features", "--threads", "0"])
    assert stop.value.code == 2 and "--threads: must be at least 1, not 0" in capsys.readouterr().err


def with_yamnet(data: FeatureSet, yamnet: torch.Tensor, noise_seed: int = 5) -> FeatureSet:
    """``data`` whose trunk features are noise and whose YAMNet features are ``yamnet``."""
    noise = torch.randn(data.feats.shape, generator=torch.Generator().manual_seed(noise_seed))
    return FeatureSet(noise, data.labels, data.groups, data.kinds, yamnet)


def true_probability(data: FeatureSet, weight: torch.Tensor, bias: torch.Tensor, scale: float) -> float:
    probs = torch.softmax(data.inputs(scale) @ weight.T + bias, dim=1)
    truth = torch.tensor([LABELS.index(label) for label in data.labels])
    return float(probs[torch.arange(len(truth)), truth].mean())


def test_the_yamnet_scale_weighs_its_features_against_the_trunks() -> None:
    """Standardising each column by its own spread would undo any scale: the scale must survive it, weighing
    YAMNet's block in the L2 penalty, and the head must read ``[trunk | scale * YAMNet]``."""
    train, test = (with_yamnet(blobs(rows_seed=s), blobs(rows_seed=s).feats, noise_seed=s) for s in (0, 1))
    before = (train.feats.clone(), train.inputs(1.0).clone())
    scores = {}
    for scale in (0.05, 5.0):
        weight, bias = fit_head(train, LABELS, c=0.01, epochs=30, batch_size=64, yamnet_scale=scale)
        assert weight.shape == (3, 32)
        scores[scale] = true_probability(test, weight, bias, scale)
    assert torch.equal(train.feats, before[0]) and torch.equal(train.inputs(1.0), before[1]), "left as they were"
    assert scores[5.0] > 0.85, "the YAMNet block, weighed up, carries the labels"  # 0.94
    assert scores[0.05] < 0.45, "weighed down, the penalty keeps its weights small"  # 0.35 (1/3: none)
    alone = fit_head(train, LABELS, c=0.01, epochs=30, batch_size=64)
    assert alone[0].shape == (3, 16) and true_probability(test, *alone, 0.0) < 0.45, "the trunk's noise alone"


def test_ship_with_yamnet_writes_a_model_carrying_it_and_a_head_that_goes_on_it(
        tmp_path: Path, esc50: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ship --yamnet`` wrote a bare dict no model could take, with a digest of the weights file's bytes where
    a head records YAMNet's fingerprint: now a model file carrying YAMNet (version 2) and its validation head,
    which the classifier puts on it; one fingerprint of the weights throughout. The model carries the ranges its
    YAMNet's int8 convs run at, measured on ESC-50 clips as the aiSFX trunk's are."""
    import numpy as np

    from exsampling_patch.models.classifier import load_classifier
    from exsampling_patch.models.model_file import (
        YamnetBlock,
        load_head_file,
        load_model_file,
        save_model_file,
        yamnet_fingerprint,
    )
    from exsampling_patch.models.network import SoundNet
    from exsampling_patch.models.oneshots import DEFAULT_CACHE, oneshot_folder
    from exsampling_patch.models.yamnet import FEATURE_SIZE, KNOWN_FEATURES
    from exsampling_patch.models.yamnet_features import weights_digest
    from exsampling_patch.models.yamnet_int8 import INT8_CONVS, int8_available
    from exsampling_patch.models.yamnet_weights import weights_path

    weights = weights_path(DEFAULT_CACHE)  # read only, never written here
    if not weights.is_file():
        pytest.skip("YAMNet's weights are not built here (python -m exsampling_patch.models.yamnet_weights build)")
    trunk = save_model_file(SoundNet(len(LABELS)), LABELS, tmp_path / "trunk.pt")  # a small real model file
    cache = tmp_path / "cache"
    oneshot_folder(cache).mkdir(parents=True)
    (oneshot_folder(cache) / "manifest.json").write_text("{}")
    (cache / "features").mkdir()
    (cache / "features" / "int8_trunk.pt").write_bytes(b"\0")  # no int8 trunk: the classifier stays in float32
    parts = musical_parts(SoundNet(len(LABELS)).feature_dim)
    parts["lmms"] = parts.pop("tonejs")  # the source the validation head leaves out
    for i, part in enumerate(parts.values()):
        part.yamnet = torch.randn(len(part.labels), FEATURE_SIZE, generator=torch.Generator().manual_seed(i))
    summary = train_sounds.loso(parts, c=0.01, epochs=1, out=tmp_path / "out", yamnet_scale=0.5)
    block = YamnetBlock.from_weights(weights, 0.5)
    # YAMNet's int8 ranges measured on 4 of the 64 clips ship reads (8.6 s of this test's 10.6 with all of them)
    calibration_takes = train_sounds.calibration_takes
    monkeypatch.setattr(train_sounds, "calibration_takes",
                        lambda data, cache, seed: calibration_takes(data, cache, seed, clips=4))
    shipped = train_sounds.ship(parts, trunk, esc50, cache, summary, c=0.01, epochs=1, seed=0,
                                out=tmp_path / "out", yamnet=block)
    assert shipped.name == train_sounds.YAMNET_MODEL and torch.load(shipped, weights_only=True)["version"] == 2
    loaded = load_model_file(shipped)
    assert loaded.yamnet is not None and loaded.yamnet.scale == 0.5
    assert loaded.meta["temperature"] == summary["temperature"]
    head = load_head_file(tmp_path / "out" / train_sounds.YAMNET_VALIDATION_HEAD)
    assert head.yamnet is not None and head.yamnet.scale == 0.5
    assert head.yamnet.fingerprint == yamnet_fingerprint(loaded.yamnet.state_dict) == weights_digest(weights)
    assert loaded.yamnet.int8 and len(loaded.yamnet.int8) == INT8_CONVS + 1
    clf = load_classifier(shipped, head=head.path)
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)).astype(np.float32)
    assert clf.has_yamnet and clf.predict(tone, 22050).label in LABELS
    assert clf.yamnet_int8 or not int8_available()
    # a loso fitted at another scale gives no validation head for this model
    with pytest.raises(ValueError, match=r"YAMNet scale 0\.5, the model at 2"):
        train_sounds.ship(parts, trunk, esc50, cache, summary, c=0.01, epochs=1, seed=0,
                          out=tmp_path / "out", yamnet=YamnetBlock.from_weights(weights, 2.0))
    # nor one fitted on YAMNet's features of another recipe (one from before heads named theirs: the patches'),
    # which the head file would have named as the model's own
    assert summary["yamnet_features"] == block.features and train_sounds.summary_recipe(summary) == block.features
    saved = torch.load(tmp_path / "out" / "validation_head.pt", weights_only=True)
    other = next(f for f in KNOWN_FEATURES if f != block.features)
    for record in ({**saved, "yamnet_features": other}, {k: v for k, v in saved.items() if k != "yamnet_features"}):
        torch.save(record, tmp_path / "out" / "validation_head.pt")
        if train_sounds.summary_recipe(record) == block.features:
            continue  # the code's recipe is the patches': an unnamed head is of it
        with pytest.raises(ValueError, match=f"computed as '{train_sounds.summary_recipe(record)}', the model"):
            train_sounds.ship(parts, trunk, esc50, cache, summary, c=0.01, epochs=1, seed=0,
                              out=tmp_path / "out", yamnet=block)


def test_the_esc50_comparison_scores_each_scale_by_folds_1_to_3_and_on_fold_4() -> None:
    """Where only YAMNet's features tell the labels apart, a head reading them beats the trunk's alone, in the
    cross-validation on folds 1-3 (which chooses the scale) and on fold 4."""
    parts = {}
    for fold in (1, 2, 3, 4):
        rows = blobs((30, 30, 30), rows_seed=fold)
        kinds = ["whole", "untrimmed", "crop"] * 30
        parts[f"esc50_fold{fold}"] = with_yamnet(FeatureSet(rows.feats, rows.labels, rows.groups, kinds),
                                                 rows.feats, noise_seed=fold)
        parts[f"esc50_phone_fold{fold}"] = with_yamnet(blobs((5, 5, 5), rows_seed=10 + fold),
                                                       blobs((5, 5, 5), rows_seed=10 + fold).feats)
    results = train_sounds.esc50_scales(parts, c=0.01, epochs=5, scales=[0.0, 2.0])
    assert set(results) == {0.0, 2.0} and len(results[2.0]["cv_folds"]) == 3
    assert results[2.0]["cv_top1"] > 0.9 > 0.6 > results[0.0]["cv_top1"]
    assert results[2.0]["fold4_top1"] > 0.9 and results[2.0]["fold4_untrimmed_top1"] > 0.9


def test_ship_refuses_a_validation_head_fitted_on_other_labels(tmp_path: Path) -> None:
    """A loso run before the label set changed left a validation head whose rows were other classes: ship wrote it
    beside the new model all the same (CI then scored fold 4 with rows read as the wrong labels). Now refused
    before anything is written, naming what differs."""
    from exsampling_patch.models.model_file import save_model_file
    from exsampling_patch.models.network import SoundNet
    from exsampling_patch.models.oneshots import oneshot_folder

    trunk = save_model_file(SoundNet(len(LABELS)), LABELS, tmp_path / "trunk.pt")
    cache = tmp_path / "cache"
    oneshot_folder(cache).mkdir(parents=True)
    (oneshot_folder(cache) / "manifest.json").write_text("{}")
    (cache / "features").mkdir()
    (cache / "features" / "int8_trunk.pt").write_bytes(b"\0")
    parts = musical_parts(SoundNet(len(LABELS)).feature_dim)
    out = tmp_path / "out"
    out.mkdir()
    summary = {"temperature": 1.5, "gate_threshold": 0.5, "ece": 0.01}
    width = SoundNet(len(LABELS)).feature_dim
    torch.save({"weight": torch.zeros(len(LABELS) - 1, width), "bias": torch.zeros(len(LABELS) - 1),
                "labels": LABELS[:-1], "yamnet_scale": 0.0}, out / "validation_head.pt")
    with pytest.raises(ValueError, match=rf"other labels than the model's \(missing \['{LABELS[-1]}'\]\)"):
        train_sounds.ship(parts, trunk, tmp_path, cache, summary, c=0.01, epochs=1, seed=0, out=out)
    assert not (out / train_sounds.SHIPPED_SOUNDS.name).exists()  # refused before the model was written
