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
    serial: int = 0  # the node numbers its loads; the callback reports the serial it sounds


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
    if samples.size == 0:
        return np.zeros(points, np.float32)
    starts = (np.arange(points, dtype=np.int64) * samples.size) // points  # each stretch holds >= 1 sample
    return np.maximum.reduceat(np.abs(samples), starts).astype(np.float32, copy=False)


def prepare(take: Take, stream_rate: int, label: str | None = None, max_seconds: float = 30.0,
            now: float = 0.0, serial: int = 0) -> SlotBuffer:
    """Make ``take`` playable at ``stream_rate``: mono, resampled, float32, cut to ``max_seconds``."""
    mono = take.mono()[: int(max_seconds * take.sample_rate)]
    if take.sample_rate == stream_rate:  # the usual case: one copy, straight into the buffer
        data = np.empty(mono.size + GUARD, np.float32)
        data[: mono.size] = mono
    else:
        audio = resample(np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0), take.sample_rate, stream_rate)
        data = np.empty(audio.size + GUARD, np.float32)
        data[: audio.size] = audio
    frames = data.size - GUARD
    data[frames:] = 0.0
    np.nan_to_num(data, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    data.setflags(write=False)
    return SlotBuffer(data=data, frames=frames, pitch_hz=take_pitch(take), take_id=take.take_id,
                      label=label, overview=overview(data[:frames]), take=take, prepared_at=now, serial=serial)
