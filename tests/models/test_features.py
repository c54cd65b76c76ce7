"""The log-mel front end: mix-down, frames at any rate, filterbank, spectrogram shapes and scale."""

from __future__ import annotations

from pathlib import Path

import librosa
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


def test_analyse_normalises_peak_and_handles_silence_and_nan() -> None:
    rng = np.random.default_rng(1)
    y = (rng.standard_normal(44100) * 0.1).astype(np.float32)
    stereo = np.stack([y, y], axis=1)
    loud = fe.analyse(stereo, 44100)
    quiet = fe.analyse(stereo * 0.01, 44100)  # the same take 40 dB down: the same features
    assert loud.shape == (1 + 44100 // fe.hop_length(44100), 71)
    np.testing.assert_allclose(quiet, loud, rtol=1e-3, atol=1e-6 * float(loud.max()))
    centred = y - y.mean()  # analyse takes the (tiny) offset away first
    assert np.allclose(loud, fe.mel_power(centred / np.abs(centred).max(), 44100), rtol=1e-4,
                       atol=1e-7 * float(loud.max()))
    assert not np.any(fe.analyse(np.zeros(1000, np.float32), 16000))
    broken = y.copy()
    broken[100:200] = np.nan
    broken[300] = np.inf
    out = fe.analyse(broken, 44100)
    assert np.isfinite(out).all() and out.max() > 0


def test_analyse_removes_a_dc_offset() -> None:
    rng = np.random.default_rng(2)
    y = (rng.standard_normal(22050) * 0.1).astype(np.float32)
    y -= y.mean()
    offset = fe.analyse(y + np.float32(0.2), 22050)  # an offset twice the noise's spread
    clean = fe.analyse(y, 22050)
    np.testing.assert_allclose(offset, clean, rtol=1e-3, atol=1e-6 * float(clean.max()))
    np.testing.assert_allclose(fe.remove_offset(np.full(5, 0.3, np.float32)), 0.0, atol=1e-7)
    assert fe.remove_offset(np.zeros(0, np.float32)).size == 0


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000, 96000])
def test_frames_last_about_46_ms_with_a_fast_fft_length(rate: int) -> None:
    n = fe.frame_length(rate)
    assert abs(n / rate - 743 / 16000) < 0.02 * 743 / 16000
    factors = n
    for prime in (2, 3, 5):
        while factors % prime == 0:
            factors //= prime
    assert factors == 1
    assert fe.hop_length(rate) == round(742 * rate / 16000)


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_mel_filterbank_is_librosas(rate: int) -> None:
    """The filterbank is computed without importing librosa (for start-up time): it must stay librosa's."""
    import librosa

    front = fe.FRONT_END
    n_fft = fe.frame_length(rate)
    # librosa normalises each filter over the bins below its Nyquist frequency: a bank on the same bin
    # spacing whose Nyquist frequency is past 22.05 kHz has every filter normalised over its whole triangle
    wider = int(np.ceil(2 * front.fmax_full / rate))
    theirs = librosa.filters.mel(sr=wider * rate, n_fft=wider * n_fft, n_mels=front.n_mels_full, fmin=0.0,
                                 fmax=front.fmax_full, htk=True, norm=1.0)
    ours = fe.mel_filterbank(rate)
    n_bins = int(front.fmax / (rate / n_fft)) + 1
    assert ours.shape == (71, min(n_bins, n_fft // 2 + 1))
    np.testing.assert_allclose(ours, theirs[:71, : ours.shape[1]], rtol=1e-5, atol=1e-8)
    assert (ours.sum(axis=1) > 0).all()



def test_mel_power_shape_and_scale() -> None:
    fb = fe.mel_filterbank()
    assert fb.shape == (71, fe.frame_length(fe.SAMPLE_RATE) // 2 + 1)
    assert np.allclose(fb[:-2].sum(axis=1), 1.0, atol=1e-4)  # unit-sum filters (the top two cut at 8 kHz)
    n = 5 * fe.SAMPLE_RATE
    y = np.random.default_rng(0).standard_normal(n).astype(np.float32) * 0.1
    p = fe.mel_power(y)
    assert p.shape == (1 + n // fe.hop_length(fe.SAMPLE_RATE), 71)
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


def test_band_powers_do_not_depend_on_the_rate_a_take_is_analysed_at() -> None:
    rng = np.random.default_rng(2)
    noise = rng.standard_normal(3 * 48000).astype(np.float32) * 0.1
    y16 = librosa.resample(noise, orig_sr=48000, target_sr=16000)  # nothing above 8 kHz
    tone = np.sin(2 * np.pi * 1234.5 * np.arange(16000 * 3) / 16000).astype(np.float32) * 0.5
    for y in (y16, tone, y16 + tone):
        at16 = fe.mel_power(y, 16000)
        at48 = fe.mel_power(librosa.resample(y, orig_sr=16000, target_sr=48000), 48000)
        assert at48.shape == at16.shape
        inner = slice(2, -2)  # away from the padded edges; bands below 7 kHz (above it the resampler rolls off)
        db = 10 * np.log10((at48[inner, :66].mean(axis=0) + 1e-9) / (at16[inner, :66].mean(axis=0) + 1e-9))
        loud = at16[inner, :66].mean(axis=0) > 1e-3 * at16[inner, :66].mean(axis=0).max()
        assert np.abs(db[loud]).max() < 0.5, db


def _numpy_mel_power(y: np.ndarray, rate: int) -> np.ndarray:
    """mel_power written plainly (numpy's float64 FFT, a sliding window view), to check the faster one against."""
    n_fft, hop = fe.frame_length(rate), fe.hop_length(rate)
    yp = np.pad(y, n_fft // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop]
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)) * (743 / n_fft)
    fb = fe.mel_filterbank(rate)
    spec = np.fft.rfft(frames * window, axis=1)[:, : fb.shape[1]]
    return np.asarray((spec.real**2 + spec.imag**2) @ fb.T, np.float32)


def test_mel_power_is_the_plain_computation(esc50: Path) -> None:
    import soundfile as sf

    names = sorted((esc50 / "audio").iterdir())[::400][:5]
    signals = [sf.read(str(p), dtype="float32") for p in names]
    signals.append((np.random.default_rng(4).standard_normal(3 * 48000).astype(np.float32), 48000))
    signals.append((np.random.default_rng(5).standard_normal(2 * 44100).astype(np.float32), 44100))
    for y, rate in signals:
        new, old = fe.mel_power(y, rate), _numpy_mel_power(y, rate)
        assert new.shape == old.shape and new.dtype == np.float32
        assert np.allclose(new, old, rtol=1e-4, atol=1e-6 * float(old.max()))
        assert np.abs(fe.compress(new) - fe.compress(old)).max() < 1e-5  # what the network sees
