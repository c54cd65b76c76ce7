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

#: Zero samples after the audio, so linear interpolation can read index ``frames + 1`` without a branch.
GUARD = 4
OVERVIEW_POINTS = 256
#: Corner of the DC blocker (a first-order high-pass). Low, so that a kick's 40-60 Hz body keeps its shape
#: (the phase of 50 Hz moves by about 2 degrees); high enough that an offset the take drifts to is gone within
#: a fraction of a second (time constant 80 ms).
DC_CUTOFF_HZ = 2.0


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
    mono = without_offset(take.mono()[: int(max_seconds * take.sample_rate)], take.sample_rate)
    if take.sample_rate != stream_rate:
        mono = resample(mono, take.sample_rate, stream_rate)
    data = guard(mono) if guarded else np.ascontiguousarray(mono, np.float32)
    return SlotBuffer(data=data, frames=int(mono.size), pitch_hz=take_pitch(take), take_id=take.take_id,
                      label=label, take=take, prepared_at=now, serial=serial)


@functools.lru_cache(maxsize=8)
def _dc_blocker(rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients ``(b, a)`` of the DC blocker at ``rate`` and its state for a constant input of 1."""
    from scipy.signal import butter, lfilter_zi

    b, a = butter(1, min(DC_CUTOFF_HZ, rate / 4), "highpass", fs=rate)
    return b, a, lfilter_zi(b, a)


def without_offset(mono: np.ndarray, rate: int) -> np.ndarray:
    """``mono`` through a DC blocker (a first-order high-pass at :data:`DC_CUTOFF_HZ`): a new float32 array,
    made here on the node's thread.

    A voice starts on the take's first sample and is cut after its last: an offset played is a step from
    silence to the offset and back, a click at each end of every note. Subtracting the take's mean would not
    do: a short, lopsided sound (a kick) has a mean that is no offset, and its silent ends would be moved off
    zero, a step each. The filter starts as if the take had always rested at its first sample, so a take that
    starts at an offset starts at 0 with no transient, and a take that starts at 0 is left at 0; the filter
    then follows the offset, so the end is at 0 too. NaN and infinite samples (a recorder's glitch) become
    silence: the filter reads the last finite sample in their place (a 0 there would be a step of the
    offset's size into the filter), and their own output samples are 0.
    """
    if mono.size == 0:
        return np.zeros(0, np.float32)
    from scipy.signal import lfilter

    x = mono.astype(np.float64)
    glitches = None
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN, which the check looks for
        clean = math.isfinite(float(np.sum(x)))
    if not clean:
        finite = np.isfinite(x)
        if not finite.any():
            return np.zeros(mono.size, np.float32)
        held = np.where(finite, np.arange(x.size), 0)
        np.maximum.accumulate(held, out=held)
        held[: int(np.argmax(finite))] = int(np.argmax(finite))  # before the first finite sample: that sample
        x, glitches = x[held], ~finite
    b, a, zi = _dc_blocker(int(rate))
    y, _ = lfilter(b, a, x, zi=zi * x[0])
    if glitches is not None:
        y[glitches] = 0.0
    return y.astype(np.float32)


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
