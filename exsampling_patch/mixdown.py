"""One mix-down of a take's channels, shared by the classifier's front end and ``Take.mono`` (trim, onsets,
pitch, sampler), so that what is classified is what is trimmed and played."""

from __future__ import annotations

import numpy as np

__all__ = ["CANCELLED_DB", "mix_down"]

CANCELLED_DB = 10.0
"""How far (dB) the channels' sum may fall below the sum of their energies before the mix counts as cancelled.

Channels that share a sound add up to more than their energies, unrelated ones to as much (a stereo mix is then
3 dB below equal channels), and a channel alone (hard-panned) to its own energy: only channels in opposite
phase, a miswired microphone or undecoded mid-side, lose more.
"""


def mix_down(samples: np.ndarray) -> np.ndarray:
    """A ``(frames, channels)`` float32 array as one ``(frames,)`` float32 vector: the mean of its channels, or
    its loudest channel where the channels cancel each other out (see :data:`CANCELLED_DB`).

    A take whose channels are in opposite phase would otherwise mix down to near silence, to be called
    silent or trimmed away, although each channel holds the sound. Any other take gets the mean, bit for bit
    as before this check (the shipped classifier was trained on such means). Channels holding NaN or
    infinity are not checked: their mean is returned.
    """
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a (frames, channels) array, got shape {x.shape}")
    channels = x.shape[1]
    if channels == 0:
        raise ValueError(f"expected at least one channel, got shape {x.shape}")
    if channels == 1:
        return x[:, 0]
    # a matrix-vector product is ~10x faster than x.mean(axis=1) on (frames, channels) arrays
    mix = x @ np.full(channels, 1.0 / channels, np.float32)
    # The energy of the channels' sum is channels**2 times the mix's, and the sum of their energies is one dot
    # product over all samples: two BLAS dot products, against the channels' Gram matrix (x.T @ x), whose
    # transposed product took most of a 10 s stereo take's mix-down. Float32 sums, as the Gram matrix's were:
    # precise enough for a threshold of 10 dB.
    flat = x.reshape(-1)
    with np.errstate(invalid="ignore", over="ignore"):
        summed = float(np.dot(mix, mix)) * channels * channels
        energy = float(np.dot(flat, flat))
        cancelled = summed < energy * 10.0 ** (-CANCELLED_DB / 10.0)
    if not cancelled:  # also for NaN totals
        return mix
    energies = np.einsum("ij,ij->j", x, x, dtype=np.float64)  # rare: which channel holds the sound
    return np.ascontiguousarray(x[:, int(np.argmax(energies))])
