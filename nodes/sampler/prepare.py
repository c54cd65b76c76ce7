"""Turning a take into what the audio callback plays: mono float32 at the stream's rate.

This runs on a worker thread, never in the callback. The result is immutable and handed to the
callback by a single reference assignment.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from math import gcd
from typing import Any

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.models.features import remove_offset

#: Zero samples after the audio, so linear interpolation can read index ``frames + 1`` without a branch.
GUARD = 4
OVERVIEW_POINTS = 256


@dataclass(frozen=True, eq=False)
class SlotBuffer:
    """A take ready to play: ``data`` holds ``frames`` samples plus :data:`GUARD` zeros (see :func:`prepare`)."""

    data: np.ndarray
    frames: int
    pitch_hz: float  # 0 when the take has no pitch: it plays at its own rate on the root note
    take_id: str = ""
    label: str | None = None
    take: Take | None = None
    prepared_at: float = 0.0
    serial: int = 0  # the node numbers its loads; the callback reports the serial it sounds
    offset: int = -1  # where ``data`` starts in the core's pool (the audio process's arena); -1: elsewhere
    due: float = 0.0  # time.perf_counter() at the output from which the slot plays it (a swap on the beat); 0: now

    @functools.cached_property
    def overview(self) -> np.ndarray:
        """Waveform thumbnail (:data:`OVERVIEW_POINTS` peaks), computed when an observer first asks."""
        return overview(self.data[: self.frames])


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
            now: float = 0.0, serial: int = 0, guarded: bool = True) -> SlotBuffer:
    """Make ``take`` playable at ``stream_rate``: mono, less its DC offset, resampled, float32, cut to
    ``max_seconds``.

    ``guarded=False`` is for a receiver that makes its own copy (the audio process): ``data`` is then without
    guard zeros (:func:`guard` adds them), which saves the node's thread a second copy of megabytes.
    """
    mono = without_offset(take.mono()[: int(max_seconds * take.sample_rate)])
    if take.sample_rate != stream_rate:
        mono = resample(mono, take.sample_rate, stream_rate)
    data = guard(mono) if guarded else np.ascontiguousarray(mono, np.float32)
    return SlotBuffer(data=data, frames=int(mono.size), pitch_hz=take_pitch(take), take_id=take.take_id,
                      label=label, take=take, prepared_at=now, serial=serial)


def without_offset(mono: np.ndarray) -> np.ndarray:
    """``mono`` less its constant (DC) offset, as the classifier's front end takes it away
    (:func:`~exsampling_patch.models.features.remove_offset`): a new array, made here on the node's thread.

    A voice starts on the take's first sample and is cut after its last: an offset played is a step from
    silence to the offset and back, a click at each end of every note. NaN and infinite samples (a recorder's
    glitch) are not counted in the offset and become silence, 0 once it is taken away (zeroed before, they
    would be a spike of the offset's size).
    """
    if math.isfinite(float(np.sum(mono, dtype=np.float64))):
        return remove_offset(mono)
    finite = np.isfinite(mono)
    offset = np.float32(np.mean(mono[finite], dtype=np.float64)) if finite.any() else np.float32(0.0)
    with np.errstate(invalid="ignore"):
        return np.where(finite, mono - offset, np.float32(0.0)).astype(np.float32, copy=False)


def guard(samples: np.ndarray) -> np.ndarray:
    """A read-only float32 copy of ``samples`` with NaN and infinity zeroed, followed by :data:`GUARD` zeros."""
    data = np.empty(samples.size + GUARD, np.float32)
    fill_guarded(data, samples)
    data.setflags(write=False)
    return data


def fill_guarded(data: np.ndarray, samples: np.ndarray) -> None:
    """What :func:`guard` returns, written into ``data`` (``samples.size + GUARD`` float32, e.g. shared memory)."""
    frames = int(samples.size)
    data[:frames] = samples
    data[frames:] = 0.0
    if not math.isfinite(float(data.sum())):  # one pass when clean (the usual case), a scrub when not
        np.nan_to_num(data, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
