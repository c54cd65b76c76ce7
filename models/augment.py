"""Make a clean studio one-shot sound like a take recorded on a phone in a room.

Each function takes a mono float array and its rate and returns a new array; :func:`phone_take` chains them
with random settings: speed (pitch and tempo together), a short crop and attack jitter, a small room's
reverberation, the microphone's colouration and band limits, background noise, and level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PhoneTakeConfig", "add_noise", "change_speed", "colour", "phone_take", "reverberate"]


def change_speed(samples: np.ndarray, factor: float) -> np.ndarray:
    """Play ``factor`` times faster (pitch up by ``12 * log2(factor)`` semitones), by linear interpolation."""
    n_out = max(1, round(len(samples) / factor))
    positions = np.arange(n_out, dtype=np.float64) * factor
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def reverberate(samples: np.ndarray, rate: int, rt60: float, direct_to_reverb_db: float,
                rng: np.random.Generator) -> np.ndarray:
    """Convolve with a synthetic room response: exponentially decaying noise with reverberation time ``rt60``
    seconds, mixed ``direct_to_reverb_db`` below the direct sound."""
    from scipy.signal import fftconvolve

    length = int(rate * min(2.0, rt60 * 1.2))
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-6.91 * t / rt60)
    tail[: int(0.003 * rate)] = 0.0  # the first reflections come a few ms after the direct sound
    tail *= 10 ** (-direct_to_reverb_db / 20) / (np.sqrt(np.sum(tail**2)) + 1e-12)
    wet = fftconvolve(samples, tail)[: len(samples) + length // 2]
    out = np.zeros(len(wet), np.float64)
    out[: len(samples)] += samples
    out += wet
    return out.astype(np.float32)


def colour(samples: np.ndarray, rate: int, low_cut_hz: float, high_cut_hz: float, peak_hz: float,
           peak_db: float) -> np.ndarray:
    """A small microphone's colouration: a high-pass and a low-pass (2nd order) and one peaking band."""
    from scipy.signal import butter, sosfilt

    nyquist = rate / 2
    sos = [butter(2, low_cut_hz / nyquist, "highpass", output="sos")]
    if high_cut_hz < 0.95 * nyquist:
        sos.append(butter(2, high_cut_hz / nyquist, "lowpass", output="sos"))
    out = sosfilt(np.concatenate(sos), samples)
    if peak_db:  # a band around peak_hz, added or removed
        band = sosfilt(butter(1, [peak_hz / 1.4 / nyquist, min(0.99, peak_hz * 1.4 / nyquist)], "bandpass",
                              output="sos"), out)
        out = out + (10 ** (peak_db / 20) - 1.0) * band
    return np.asarray(out, dtype=np.float32)


def add_noise(samples: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Mix ``noise`` (looped or cut to length) at ``snr_db`` below the sound's loud part."""
    n = len(samples)
    reps = int(np.ceil(n / max(1, len(noise))))
    bed = np.tile(noise, reps)[:n].astype(np.float64)
    power = samples.astype(np.float64) ** 2
    loud = power[power >= np.percentile(power, 50)] if n > 1 else power
    signal_power = float(loud.mean()) + 1e-12
    bed *= np.sqrt(signal_power / (float(np.mean(bed**2)) + 1e-12)) * 10 ** (-snr_db / 20)
    return (samples + bed).astype(np.float32)


@dataclass(frozen=True)
class PhoneTakeConfig:
    """Ranges :func:`phone_take` draws from, and how often each step applies."""

    semitones: float = 2.0
    crop_probability: float = 0.25
    min_crop_seconds: float = 0.03
    attack_cut_ms: float = 8.0
    pre_roll_seconds: float = 0.25
    reverb_probability: float = 0.6
    rt60: tuple[float, float] = (0.15, 1.0)
    direct_to_reverb_db: tuple[float, float] = (0.0, 15.0)
    low_cut_hz: tuple[float, float] = (60.0, 400.0)
    high_cut_hz: tuple[float, float] = (4000.0, 16000.0)
    peak_db: float = 6.0
    noise_probability: float = 0.75
    snr_db: tuple[float, float] = (6.0, 40.0)
    gain_db: tuple[float, float] = (-30.0, 0.0)
    clip_probability: float = 0.05


def phone_take(samples: np.ndarray, rate: int, rng: np.random.Generator, noises: Sequence[np.ndarray] = (),
               config: PhoneTakeConfig = PhoneTakeConfig()) -> np.ndarray:
    """One random phone-take version of a clean one-shot (mono, at ``rate``; ``noises`` at the same rate)."""
    c = config
    y = np.asarray(samples, dtype=np.float32)
    y = change_speed(y, 2 ** (rng.uniform(-c.semitones, c.semitones) / 12))
    if rng.random() < c.crop_probability and len(y) > c.min_crop_seconds * rate:
        keep = int(rate * np.exp(rng.uniform(np.log(c.min_crop_seconds), np.log(len(y) / rate))))
        y = y[:keep] * np.linspace(1.0, 0.0, keep, dtype=np.float32) ** 0.5
    y = y[int(rng.uniform(0, c.attack_cut_ms) * rate / 1000) :]
    y = np.concatenate([np.zeros(int(rng.uniform(0, c.pre_roll_seconds) * rate), np.float32), y,
                        np.zeros(int(rng.uniform(0.02, 0.3) * rate), np.float32)])
    if rng.random() < c.reverb_probability:
        y = reverberate(y, rate, rng.uniform(*c.rt60), rng.uniform(*c.direct_to_reverb_db), rng)
    high = min(rng.uniform(*c.high_cut_hz), 0.45 * rate)
    y = colour(y, rate, rng.uniform(*c.low_cut_hz), high, float(np.exp(rng.uniform(np.log(300), np.log(5000)))),
               rng.uniform(-c.peak_db, c.peak_db))
    if rng.random() < c.noise_probability:
        noise = noises[int(rng.integers(len(noises)))] if len(noises) else rng.standard_normal(rate)
        if len(noise) > len(y):
            start = int(rng.integers(0, len(noise) - len(y) + 1))
            noise = noise[start : start + len(y)]
        y = add_noise(y, np.asarray(noise, np.float32), rng.uniform(*c.snr_db))
    peak = float(np.abs(y).max(initial=0.0)) + 1e-12
    y = y * (10 ** (rng.uniform(*c.gain_db) / 20) / peak)
    if rng.random() < c.clip_probability:
        y = np.clip(y * 4.0, -1.0, 1.0)
    return np.asarray(y, dtype=np.float32)
