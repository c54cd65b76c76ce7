"""YIN fundamental-frequency estimation in numpy alone (de Cheveigné and Kawahara, JASA 2002).

The same estimator as ``librosa.yin`` (0.10-0.11: cumulative mean normalised difference, the first trough
below the threshold or else the global minimum, parabolic refinement), without its first call's cost: librosa
compiles its parabolic interpolation with numba, about 2 CPU seconds that the pitch node paid at every start-up
for a few milliseconds of work a take. A test holds the two to the same frequencies.
"""

from __future__ import annotations

import numpy as np

__all__ = ["yin"]


def yin(y: np.ndarray, fmin: float, fmax: float, sample_rate: float, frame_length: int = 2048,
        hop_length: int | None = None, trough_threshold: float = 0.1) -> np.ndarray:
    """f0 in Hz of each frame of the mono signal ``y`` (frames centred on ``y[t * hop_length]``, zero-padded)."""
    if fmin <= 0 or fmax <= fmin or fmax > sample_rate / 2:
        raise ValueError(f"yin needs 0 < fmin < fmax <= sample_rate / 2, got fmin={fmin}, fmax={fmax}, "
                         f"sample_rate={sample_rate}")
    hop = frame_length // 4 if hop_length is None else hop_length
    padded = np.pad(np.asarray(y, dtype=np.float64 if y.dtype == np.float64 else np.float32), frame_length // 2)
    if len(padded) < frame_length:
        raise ValueError(f"yin needs at least {frame_length} samples after padding, got {len(padded)}")
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop].T  # (frame_length, n)
    min_period = int(np.floor(sample_rate / fmax))
    max_period = min(int(np.ceil(sample_rate / fmin)), frame_length - 1)
    cmnd = _cumulative_mean_normalized_difference(frames, min_period, max_period)
    shifts = _parabolic_shifts(cmnd)
    is_trough = _local_minima(cmnd)
    is_trough[0] = cmnd[0] < cmnd[1]
    below = is_trough & (cmnd < trough_threshold)
    period = np.argmax(below, axis=0)
    none_below = ~below.any(axis=0)
    period[none_below] = np.argmin(cmnd, axis=0)[none_below]
    columns = np.arange(cmnd.shape[1])
    return np.asarray(sample_rate / (min_period + period + shifts[period, columns]))


def _autocorrelation(frames: np.ndarray, max_size: int) -> np.ndarray:
    """Autocorrelation of each column at lags 0 .. max_size - 1, by FFT."""
    n = frames.shape[0]
    size = 1 << int(np.ceil(np.log2(2 * n - 1)))
    spectrum = np.fft.rfft(frames, size, axis=0)
    return np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size, axis=0)[:max_size].astype(frames.dtype)


def _cumulative_mean_normalized_difference(frames: np.ndarray, min_period: int, max_period: int) -> np.ndarray:
    """YIN's d'(tau) (its equation 8) for tau in min_period .. max_period, one column a frame."""
    acf = _autocorrelation(frames, max_period + 1)
    energy = np.cumsum(np.square(frames), axis=0)
    difference = np.empty((max_period + 1, frames.shape[1]), dtype=frames.dtype)
    difference[0] = 0
    difference[1:] = 2 * (acf[0:1] - acf[1 : max_period + 1]) - energy[:max_period]
    lags = np.arange(1, max_period + 1, dtype=frames.dtype)[:, None]
    cumulative_mean = np.cumsum(difference[1:], axis=0) / lags
    denominator = cumulative_mean[min_period - 1 : max_period]
    tiny = np.finfo(denominator.dtype).tiny
    return np.asarray(difference[min_period : max_period + 1] / (denominator + tiny))


def _parabolic_shifts(x: np.ndarray) -> np.ndarray:
    """Offset of the parabola through each point and its two neighbours along axis 0 (0 where the optimum
    lies beyond a neighbour, and at both ends)."""
    shifts = np.zeros_like(x)
    a = x[2:] + x[:-2] - 2 * x[1:-1]
    b = (x[2:] - x[:-2]) / 2
    inside = np.abs(b) < np.abs(a)
    np.divide(-b, a, out=shifts[1:-1], where=inside)
    return shifts


def _local_minima(x: np.ndarray) -> np.ndarray:
    """``x[i] < x[i - 1] and x[i] <= x[i + 1]`` along axis 0, the ends compared with themselves (as
    ``librosa.util.localmin``: an end is never a minimum by the strict side)."""
    padded = np.pad(x, ((1, 1), (0, 0)), mode="edge")
    return (x < padded[:-2]) & (x <= padded[2:])
