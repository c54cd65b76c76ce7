"""A take at another rate than the stream's is resampled as the sampler prepares it (prepare.resample): the same
pitch and level at the stream's rate, ``round(n * target / source)`` float32 samples, and nothing else: no image
of the tone and no alias of what lies above the new rate's Nyquist frequency."""

from __future__ import annotations

import numpy as np

from exsampling_patch.nodes.sampler.prepare import resample


def tone(freq: float, rate: int, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def spectrum(y: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and amplitudes (a sine of amplitude A reads A at its peak) of ``y``'s middle, Blackman-Harris
    windowed: its leakage 50 Hz from a tone lies 160 dB down, so what reads above that is the resampler's."""
    middle = np.asarray(y[len(y) // 8: -len(y) // 8], np.float64)
    n = middle.size
    k = np.arange(n) / n
    terms = np.array([0.35875, -0.48829, 0.14128, -0.01168])
    window = terms @ np.cos(2 * np.pi * np.outer(np.arange(4), k))
    amplitudes = np.abs(np.fft.rfft(middle * window)) / (window.sum() / 2)
    return np.fft.rfftfreq(n, 1 / rate), amplitudes


def peak_hz(freqs: np.ndarray, amplitudes: np.ndarray) -> float:
    """The peak's frequency, between bins by a parabola through the log amplitudes around it."""
    i = int(np.argmax(amplitudes))
    a, b, c = np.log(amplitudes[i - 1: i + 2])
    return float(freqs[i] + (a - c) / (2 * (a - 2 * b + c)) * (freqs[1] - freqs[0]))


def test_a_1_khz_tone_from_44_1_to_48_khz_keeps_its_frequency_and_level() -> None:
    x = tone(1000.0, 44100, seconds=1.0 + 3 / 44100)  # a length whose exact 48 kHz one is no whole number
    y = resample(x, 44100, 48000)
    assert y.dtype == np.float32 and y.ndim == 1
    assert y.size == round(x.size * 48000 / 44100)
    middle = np.asarray(y[4800:-4800], np.float64)
    assert abs(20 * np.log10(np.sqrt(np.mean(middle**2)) / (0.5 / np.sqrt(2)))) < 0.01, "the level, within 0.01 dB"
    freqs, amplitudes = spectrum(y, 48000)
    assert abs(peak_hz(freqs, amplitudes) - 1000.0) < 0.01, "read at 48 kHz, it is still 1 kHz"
    elsewhere = np.abs(freqs - 1000.0) > 50.0
    assert amplitudes[elsewhere].max() < 0.5 * 10 ** (-110 / 20), "no image of the tone, 110 dB down"


def test_what_lies_above_the_new_nyquist_frequency_is_taken_away_not_folded_down() -> None:
    """48 -> 44.1 kHz: a 23 kHz tone, above 22.05 kHz, would fold down to 21.1 kHz."""
    x = tone(1000.0, 48000) + tone(23000.0, 48000)
    y = resample(x, 48000, 44100)
    assert y.dtype == np.float32 and y.size == 44100
    freqs, amplitudes = spectrum(y, 44100)
    assert abs(peak_hz(freqs, amplitudes) - 1000.0) < 0.01
    assert amplitudes[np.abs(freqs - 1000.0) > 50.0].max() < 0.5 * 10 ** (-110 / 20), "no alias, 110 dB down"


def test_lengths_empty_takes_and_the_same_rate() -> None:
    for n in (1, 2, 3, 7, 441, 44101):
        for source, target in ((44100, 48000), (48000, 44100), (96000, 48000), (22050, 48000), (44100, 44101)):
            y = resample(np.ones(n, np.float32), source, target)
            assert y.dtype == np.float32 and y.shape == (round(n * target / source),), (n, source, target)
    empty = resample(np.zeros(0, np.float32), 44100, 48000)
    assert empty.dtype == np.float32 and empty.shape == (0,)
    x = tone(440.0, 48000, seconds=0.1)
    assert resample(x, 48000, 48000) is x, "the same rate: the take as it is, no copy"
