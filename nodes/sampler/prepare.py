"""Turning a take into what the audio callback plays: mono float32 at the stream's rate.

This runs on a worker thread, never in the callback. The result is immutable and handed to the
callback by a single reference assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from math import gcd
from typing import Any

import numpy as np

from exsampling_patch.messages import Take

#: Zero samples after the audio, so linear interpolation can read index ``frames + 1`` without a branch.
GUARD = 4
OVERVIEW_POINTS = 256


@dataclass(frozen=True, eq=False)
class SlotBuffer:
    """A take ready to play: ``data`` holds ``frames`` samples plus :data:`GUARD` zeros."""

    data: np.ndarray
    frames: int
    pitch_hz: float  # 0 when the take has no pitch: it plays at its own rate on the root note
    take_id: str = ""
    label: str | None = None
    overview: np.ndarray = field(default_factory=lambda: np.zeros(OVERVIEW_POINTS, np.float32))
    take: Take | None = None
    prepared_at: float = 0.0


EMPTY = SlotBuffer(np.zeros(GUARD, np.float32), 0, 0.0)


def take_pitch(take: Take) -> float:
    """The take's pitch in Hz from ``meta["pitch_hz"]``, or 0 when it has none (or an unusable one)."""
    value: Any = take.meta.get("pitch_hz")
    try:
        pitch = float(value)
    except (TypeError, ValueError):
        return 0.0
    return pitch if math.isfinite(pitch) and 8.0 <= pitch <= 20000.0 else 0.0


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling of a 1-D float32 signal (scipy, which librosa brings)."""
    if source_rate == target_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(source_rate), int(target_rate))
    up, down = target_rate // g, source_rate // g
    if max(up, down) > 4096:  # awkward ratio: linear interpolation is good enough and cheap
        n = round(samples.size * target_rate / source_rate)
        x = np.linspace(0.0, samples.size - 1, n)
        return np.interp(x, np.arange(samples.size), samples).astype(np.float32)
    return resample_poly(samples, up, down).astype(np.float32)


def overview(samples: np.ndarray, points: int = OVERVIEW_POINTS) -> np.ndarray:
    """Peak magnitude over ``points`` equal stretches of ``samples`` (a waveform thumbnail)."""
    out = np.zeros(points, np.float32)
    if samples.size == 0:
        return out
    edges = np.linspace(0, samples.size, points + 1).astype(np.int64)
    magnitude = np.abs(samples)
    for i in range(points):
        lo, hi = edges[i], max(edges[i + 1], edges[i] + 1)
        if lo < samples.size:
            out[i] = magnitude[lo:hi].max()
    return out


def prepare(take: Take, stream_rate: int, label: str | None = None, max_seconds: float = 30.0,
            now: float = 0.0) -> SlotBuffer:
    """Make ``take`` playable at ``stream_rate``: mono, resampled, float32, cut to ``max_seconds``."""
    mono = take.mono()[: int(max_seconds * take.sample_rate)]
    mono = np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)
    audio = resample(mono, take.sample_rate, stream_rate)
    data = np.zeros(audio.size + GUARD, np.float32)
    data[: audio.size] = audio
    data.setflags(write=False)
    return SlotBuffer(data=data, frames=int(audio.size), pitch_hz=take_pitch(take), take_id=take.take_id,
                      label=label, overview=overview(audio), take=take, prepared_at=now)
