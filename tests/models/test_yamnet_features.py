"""YAMNet's features of the sound head's training rows (models/yamnet_features.py), on real ESC-50 clips of fold 1
and a few rendered one-shots, with the real weights: computed from the audio each row's trunk features see,
cached beside them, reused, computed again when YAMNet's features change, and read by a head on both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from exsampling_patch.models import yamnet
from exsampling_patch.models.datasets import _load_audio
from exsampling_patch.models.network import SoundNet
from exsampling_patch.models.oneshots import DEFAULT_CACHE, oneshot_folder
from exsampling_patch.models.sound_features import FeatureSet, esc50_features, esc50_phone_features, take_span, trim
from exsampling_patch.models.train_sounds import fit_head
from exsampling_patch.models.yamnet_features import attach_yamnet, yamnet_features, yamnet_key
from exsampling_patch.models.yamnet_weights import build
from tests.models.esc50_links import linked_subset

PARTS = ["esc50_fold1", "esc50_phone_fold1", "synth"]


@pytest.fixture(scope="module")
def weights() -> Iterator[Path]:
    """The real weights (built once into the shared cache), and torch on one thread as the recipe runs it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield build(DEFAULT_CACHE, log=False)
    finally:
        torch.set_num_threads(threads)


def _subset(esc50: Path, out: Path) -> Path:
    """A data folder of fold 1's first dog and rain clips, linked, not copied."""
    return linked_subset(esc50, out, lambda rows: [
        next(r for r in rows if r["fold"] == "1" and r["category"] == category) for category in ("dog", "rain")])


def _render_oneshots(cache: Path) -> None:
    """Two one-shots of a source ``synth``: a decaying 220 Hz tone and a noise burst, 0.6 s at 44.1 kHz."""
    rate = 44100
    t = np.arange(int(0.6 * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-4 * t)
    burst = 0.5 * np.random.default_rng(0).standard_normal(t.size) * np.exp(-20 * t)
    folder = oneshot_folder(cache)
    for label, y in (("acoustic_piano", tone), ("snare", burst)):
        (folder / "synth" / label).mkdir(parents=True)
        sf.write(str(folder / "synth" / label / f"synth_{label}.flac"), y.astype(np.float32), rate)
    (folder / "manifest.json").write_text(json.dumps({"synth": {"recipe": "test-1", "total": 2}}))


def test_rows_get_yamnet_features_of_their_audio_cached_and_computed_again_on_change(
        esc50: Path, tmp_path: Path, weights: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    data, cache = _subset(esc50, tmp_path / "esc50"), tmp_path / "cache"
    _render_oneshots(cache)
    paths = yamnet_features(cache, data, PARTS, weights, seed=0, copies=1)
    assert capsys.readouterr().out.count(" rows in ") == 3
    assert all(p.parent == cache / "features" / "yamnet" / yamnet.FEATURES for p in paths.values()), \
        "apart from the trunk's files, in the recipe's folder"
    written = {name: p.stat().st_mtime_ns for name, p in paths.items()}

    # Each row's features are those of the audio its trunk features see: the trimmed clip's loudest span first.
    model = SoundNet(1)
    parts = {"esc50_fold1": esc50_features(model, data, 1, 0), "esc50_phone_fold1": esc50_phone_features(
        model, data, 1, 2, 0)}
    attach_yamnet(parts, {name: paths[name] for name in parts})
    fold = parts["esc50_fold1"]
    assert fold.yamnet is not None and fold.yamnet.shape == (len(fold.labels), yamnet.FEATURE_SIZE)
    dog, rate = _load_audio(sorted((data / "audio").glob("*"))[0])
    model_y = yamnet.load_yamnet(weights)
    whole = yamnet.take_features(model_y, take_span(trim(dog, rate), rate), rate)
    assert np.allclose(fold.yamnet[0].numpy(), whole, rtol=1e-2, atol=1e-2)
    untrimmed = fold.kinds.index("untrimmed")
    assert np.allclose(fold.yamnet[untrimmed].numpy(), yamnet.take_features(model_y, take_span(dog, rate), rate),
                       rtol=1e-2, atol=1e-2)
    crops = [i for i, k in enumerate(fold.kinds) if k == "crop"]  # the rain's (the dog barks under a second)
    assert crops and all(not torch.allclose(fold.yamnet[i], fold.yamnet[fold.groups.index(fold.groups[i])],
                                            atol=1e-2) for i in crops), "a crop is heard apart from its clip"
    phone = parts["esc50_phone_fold1"]
    assert phone.yamnet is not None and phone.yamnet.shape[0] == 4  # 2 clips, 2 phone takes each

    # Reused as they are; computed again when YAMNet's features change (and only YAMNet's: the key says so).
    yamnet_features(cache, data, PARTS, weights, seed=0, copies=1)
    assert {name: p.stat().st_mtime_ns for name, p in paths.items()} == written
    assert "rows in" not in capsys.readouterr().out
    other = next(f for f in yamnet.KNOWN_FEATURES if f != yamnet.FEATURES)
    monkeypatch.setattr(yamnet, "FEATURES", other)
    again = yamnet_features(cache, data, ["synth", "esc50_fold1"], weights, seed=0, copies=1)
    assert "yamnet features synth: 4 rows" in capsys.readouterr().out  # 2 one-shots, as rendered and 1 phone take
    assert again["synth"].parent.name == other and paths["synth"].stat().st_mtime_ns == written["synth"], \
        "the other recipe's features are kept beside"
    # 5 s clips (a one-shot under a second is one patch either way): computed as the recipe says.
    assert not torch.allclose(FeatureSet.load(again["esc50_fold1"]).feats, FeatureSet.load(paths["esc50_fold1"]).feats,
                              atol=1e-2)
    assert yamnet_key("a" * 64, 0, 2) != yamnet_key("b" * 64, 0, 2), "other weights, other features"


def test_rows_of_another_draw_are_refused(esc50: Path, tmp_path: Path, weights: Path) -> None:
    """Phone takes drawn with another seed are other takes: their YAMNet features must not sit beside these."""
    data, cache = _subset(esc50, tmp_path / "esc50"), tmp_path / "cache"
    _render_oneshots(cache)
    paths = yamnet_features(cache, data, ["synth"], weights, seed=0, copies=1)
    rows = {"synth": esc50_phone_features(SoundNet(1), data, 1, 2, 0)}  # not synth's rows
    with pytest.raises(ValueError, match="not of the rows"):
        attach_yamnet(rows, paths)


def test_a_head_on_both_trains_and_predicts(esc50: Path, tmp_path: Path, weights: Path) -> None:
    data, cache = _subset(esc50, tmp_path / "esc50"), tmp_path / "cache"
    paths = yamnet_features(cache, data, ["esc50_fold1"], weights, seed=0, copies=1)
    model = SoundNet(1)
    parts = {"esc50_fold1": esc50_features(model, data, 1, 0)}
    attach_yamnet(parts, paths)
    fold = parts["esc50_fold1"]
    labels = ["dog", "rain"]
    weight, bias = fit_head(fold, labels, c=0.01, epochs=20, batch_size=8, yamnet_scale=2.0)
    assert weight.shape == (2, model.feature_dim + yamnet.FEATURE_SIZE)
    predicted = (fold.inputs(2.0) @ weight.T + bias).argmax(1)
    assert [labels[i] for i in predicted] == fold.labels
