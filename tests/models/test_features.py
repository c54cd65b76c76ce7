"""The log-mel front end: mix-down, resampling, spectrogram shapes and scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.models import features as fe


def test_to_mono_mixes_channels_and_scales_integers() -> None:
    stereo = np.stack([np.ones(100, np.float32), -np.ones(100, np.float32) * 0.5], axis=1)
    mono = fe.to_mono(stereo)
    assert mono.shape == (100,) and mono.dtype == np.float32
    assert np.allclose(mono, 0.25)
    pcm = np.full((10, 2), 16384, np.int16)
    assert np.allclose(fe.to_mono(pcm), 0.5, atol=1e-3)
    assert fe.to_mono(np.zeros((5, 1))).shape == (5,)
    with pytest.raises(ValueError):
        fe.to_mono(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
def test_resample_keeps_duration_and_pitch(rate: int) -> None:
    t = np.arange(rate) / rate
    y = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    out = fe.resample(y, rate)
    assert abs(out.size - fe.SAMPLE_RATE) <= 2
    spec = np.abs(np.fft.rfft(out[2000:-2000]))
    peak_hz = np.argmax(spec) * fe.SAMPLE_RATE / (out.size - 4000)
    assert abs(peak_hz - 1000) < 5


def test_prepare_normalises_peak_and_handles_silence() -> None:
    y = fe.prepare(np.full((4410, 2), 0.1, np.float32), 44100)
    assert y.size == 1600 and np.isclose(np.abs(y).max(), 1.0, atol=1e-3)
    z = fe.prepare(np.zeros(1000, np.float32), 16000)
    assert not np.any(z)


def test_mel_filterbank_is_librosas() -> None:
    """The filterbank is computed without importing librosa (for start-up time): it must stay librosa's."""
    import librosa

    front = fe.FRONT_END
    full_sr = front.fmax_full * 2.0
    theirs = librosa.filters.mel(sr=full_sr, n_fft=round(front.n_fft * full_sr / fe.SAMPLE_RATE),
                                 n_mels=front.n_mels_full, fmin=0.0, fmax=front.fmax_full, htk=True,
                                 norm=1.0)[:, : front.n_bins]
    theirs = theirs[np.abs(theirs).sum(axis=1) > 0]
    ours = fe.mel_filterbank()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


def test_mel_power_shape_and_scale() -> None:
    fb = fe.mel_filterbank()
    assert fb.shape == (71, fe.FRONT_END.n_bins)
    assert np.allclose(fb[:-2].sum(axis=1), 1.0, atol=1e-4)  # unit-sum filters (the top two cut at 8 kHz)
    n = 5 * fe.SAMPLE_RATE
    y = np.random.default_rng(0).standard_normal(n).astype(np.float32) * 0.1
    p = fe.mel_power(y)
    assert p.shape == (1 + n // fe.FRONT_END.hop, 71)
    lm = fe.log_mel(y)
    assert lm.dtype == np.float32 and lm.min() >= 0 and np.isfinite(lm).all()
    # a 2 kHz tone lights up the band around 2 kHz, not the top or bottom ones
    t = np.arange(fe.SAMPLE_RATE) / fe.SAMPLE_RATE
    tone = fe.mel_power(np.sin(2 * np.pi * 2000 * t).astype(np.float32))
    band = int(np.argmax(tone.mean(axis=0)))
    assert 20 < band < 60
    # tiny inputs still give frames
    assert fe.mel_power(np.zeros(10, np.float32)).shape[0] == 1


def test_loudest_span_finds_the_loud_part_before_resampling() -> None:
    rate = 48000
    y = np.random.default_rng(0).standard_normal(10 * rate).astype(np.float32) * 0.01
    y[6 * rate : 8 * rate] *= 50  # the loud part: 6-8 s
    start, end = fe.loudest_span(y, rate, 5.0)
    assert end - start == 5 * rate
    assert start <= 6 * rate and end >= 8 * rate
    assert fe.loudest_span(y, rate, 10.0) == (0, y.size)  # not longer than the span: all of it
    assert fe.loudest_span(y, rate, 0.0) == (0, y.size)  # 0: all of it
    y[7 * rate] = np.nan  # a NaN block counts as silent, it does not poison the envelope
    start, end = fe.loudest_span(y, rate, 5.0)
    assert start <= 6 * rate and end >= 8 * rate


def _numpy_mel_power(y: np.ndarray) -> np.ndarray:
    """mel_power as the shipped model was trained with it (numpy's FFT), to check the faster one against."""
    n_fft, hop = fe.FRONT_END.n_fft, fe.FRONT_END.hop
    yp = np.pad(y, n_fft // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop]
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    spec = np.fft.rfft(frames * window, axis=1)
    return np.asarray((spec.real**2 + spec.imag**2).astype(np.float32) @ fe.mel_filterbank().T, np.float32)


def test_mel_power_gives_the_features_the_model_was_trained_with(esc50: Path) -> None:
    import soundfile as sf

    names = sorted((esc50 / "audio").iterdir())[::400][:5]
    signals = [fe.prepare(*sf.read(str(p), dtype="float32")) for p in names]
    signals.append(np.random.default_rng(4).standard_normal(3 * fe.SAMPLE_RATE).astype(np.float32))
    for y in signals:
        new, old = fe.mel_power(y), _numpy_mel_power(y)
        assert new.shape == old.shape and new.dtype == np.float32
        assert np.allclose(new, old, rtol=1e-4, atol=1e-6 * float(old.max()))
        assert np.abs(fe.compress(new) - fe.compress(old)).max() < 1e-5  # what the network sees
