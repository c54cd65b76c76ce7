"""Turning a take into what the audio callback plays: mono float32 at the stream's rate.

This runs on a worker thread, never in the callback. The result is immutable and handed to the
callback by a single reference assignment.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from exsampling_patch.messages import Take

#: Zero samples after the audio, so linear interpolation can read index ``frames + 1`` without a branch.
GUARD = 4
OVERVIEW_POINTS = 256
#: A take's resting level is measured in frames this long: short enough that a 20 ms pre-roll holds one, long
#: enough to hold a cycle of anything above 100 Hz (a lower tone is caught by the frames around it).
REST_FRAME_SECONDS = 0.01
#: A frame quieter than the take's loudest by this much is where the take rests: its pre-roll, its gaps, its
#: decayed tail. A DC offset is no level here, since each frame's level is measured around its own mean.
REST_BELOW_DB = 40.0


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
    """A 1-D float32 signal at ``target_rate``, ``round(n * target_rate / source_rate)`` samples long, by soxr.

    soxr, not scipy.signal, whose import was most of the sampler's start-up. Its HQ quality (20-bit), not VHQ:
    its aliasing and passband ripple already lie below what the float32 voices resolve; VHQ only takes longer.
    """
    if source_rate == target_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    import soxr

    out = soxr.resample(samples.astype(np.float32, copy=False), source_rate, target_rate, quality="HQ")
    # soxr's own length is off by one now and then (it rounds half up, and not always)
    size = round(samples.size * target_rate / source_rate)
    return out[:size] if out.size >= size else np.pad(out, (0, size - out.size))


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


def without_offset(mono: np.ndarray, rate: int) -> np.ndarray:
    """``mono`` less its DC offset, the constant level it rests at (:func:`resting_level`): a new float32
    array, made here on the node's thread.

    A voice starts on the take's first sample and is cut after its last: an offset played is a step from
    silence to the offset and back, a click at each end of every note. Only a constant is taken away. The
    take's mean is no offset where the sound is lopsided (a kick): its silent ends would be moved off 0, a step
    each. A high-pass takes away what the take starts at, fading out: a take cut mid-sound (a sustained tone,
    an onset-split piece) would have its first sample's value taken away, a thump at each note's start. NaN
    and infinite samples (a recorder's glitch) are not measured and become silence, 0 once the offset is
    taken away (zeroed before, they would be a spike of the offset's size).
    """
    if mono.size == 0:
        return np.zeros(0, np.float32)
    x = np.asarray(mono, np.float32)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN, which the check looks for
        clean = math.isfinite(float(np.sum(x, dtype=np.float64)))
    finite = None if clean else np.isfinite(x)
    if finite is not None and not finite.any():
        return np.zeros(x.size, np.float32)
    offset = np.float32(resting_level(x, finite, rate))
    if finite is None:
        return x - offset
    with np.errstate(invalid="ignore"):
        return np.where(finite, x - offset, np.float32(0.0)).astype(np.float32, copy=False)


def resting_level(x: np.ndarray, finite: np.ndarray | None, rate: int) -> float:
    """The constant level the take ``x`` rests at (its DC offset), from its finite samples (``finite``, or all
    of them where None).

    The take is cut into :data:`REST_FRAME_SECONDS` frames, each measured for its mean and its level around
    that mean, with its neighbours (so that a low tone's half-cycle, flat within one frame, is no rest). Frames
    :data:`REST_BELOW_DB` below the loudest are where the take rests; the offset is the median of their
    means. A take of one constant value rests there throughout.

    A take that never rests (all sound: a tone cut mid-sound) has nothing that tells an offset from the
    sound's own asymmetry. Its mean is taken as an offset only when it is clearly one: the means of its
    stretches (about 100 ms each where the take holds four, else its frames) agree on it, more than four times
    their robust spread, and it is at least a quarter of the take's level around it. A tone's partial cycles
    and a decaying sound's lopsided swings do not pass; a steady waveform with a DC part of its own (a pulse
    wave) does, as nothing in it tells that part from an offset, and a constant taken from a steady sound
    changes nothing audible in it. Anything less is left: 0 is taken away.
    """
    size = max(1, round(rate * REST_FRAME_SECONDS))
    means, spreads = _frame_stats(x, finite, size)
    # a frame with its neighbours: within-frame variance plus that of the three means (equal-sized frames)
    m, v = np.pad(means, 1, mode="edge"), np.pad(spreads * spreads, 1, mode="edge")
    around = (m[:-2] + m[1:-1] + m[2:]) / 3.0
    moved = ((m[:-2] - around) ** 2 + (m[1:-1] - around) ** 2 + (m[2:] - around) ** 2) / 3.0
    levels = np.sqrt((v[:-2] + v[1:-1] + v[2:]) / 3.0 + moved)
    resting = levels <= levels.max() * 10.0 ** (-REST_BELOW_DB / 20.0)
    if resting.any():
        return float(np.median(means[resting]))
    blocks = means.size // 10
    if blocks >= 4:  # a partial cycle weighs a tenth as much in a 100 ms stretch
        means = means[: blocks * 10].reshape(blocks, 10).mean(axis=1)
    centre = float(np.median(means))
    spread = 1.4826 * float(np.median(np.abs(means - centre)))  # the MAD, scaled to a standard deviation
    values = x if finite is None else x[finite]
    mean = float(np.mean(values, dtype=np.float64))
    if abs(mean) > 4.0 * spread and abs(mean) >= 0.25 * float(np.std(values, dtype=np.float64)):
        return mean
    return 0.0


def _frame_stats(x: np.ndarray, finite: np.ndarray | None, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (float64) of each ``size``-sample frame of ``x`` that holds a finite sample:
    its whole frames, then its last ``size`` samples where a part is left (a frame of a few samples would
    measure no level); the whole of ``x`` where it is shorter."""
    rows = _frames(x, size)
    if finite is None:
        # The spread from the sum of squares: np.std made float64 copies of the whole take, the larger part of the
        # sampler's upcoming handler, which runs beside the classifier on every take. Products of float32 samples are
        # exact in float64; the difference of the two terms is kept from going below 0 by rounding.
        means = rows.mean(axis=1, dtype=np.float64)
        squares = np.einsum("ij,ij->i", rows, rows, dtype=np.float64) / rows.shape[1]
        return means, np.sqrt(np.maximum(squares - means * means, 0.0))
    counted = _frames(finite, size)
    count = counted.sum(axis=1)
    keep = count > 0
    rows, counted, count = rows[keep], counted[keep], count[keep]
    with np.errstate(invalid="ignore"):  # the non-finite samples are masked out
        means = np.where(counted, rows, 0.0).sum(axis=1, dtype=np.float64) / count
        deviations = np.where(counted, rows - means[:, None], 0.0)
    return means, np.sqrt((deviations * deviations).sum(axis=1) / count)


def _frames(x: np.ndarray, size: int) -> np.ndarray:
    if x.size <= size:
        return x[None, :]
    whole = x.size // size
    rows = x[: whole * size].reshape(whole, size)
    return np.concatenate([rows, x[None, x.size - size:]]) if x.size % size else rows


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
