"""Log-mel front end of the classifier: plain functions, NumPy arrays in, NumPy arrays out.

Every take goes through the same three steps, at training and at serving time alike
(serve with the preprocessing you trained with):

1. :func:`to_mono` mixes a ``(frames,)`` or ``(frames, channels)`` array down to one channel;
2. :func:`resample` brings it to :data:`SAMPLE_RATE` (16 kHz: the training data has nothing above 8 kHz,
   so every take is band-limited the same way, whatever rate it was recorded at);
3. :func:`log_mel` computes a ``(frames, bands)`` log-mel spectrogram in the scale the pretrained trunk
   expects (HTK mel bands with unit-sum filters, ``log10(1 + 10000 * power) / 9.4578``).

:func:`prepare` does 1 and 2 and peak-normalises the take; :func:`mel_power` and :func:`compress`
split step 3 so that training can apply a gain in the power domain before the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "FRONT_END",
    "SAMPLE_RATE",
    "FrontEnd",
    "compress",
    "frame_rate",
    "log_mel",
    "loudest_span",
    "mel_filterbank",
    "mel_power",
    "peak_dbfs",
    "prepare",
    "resample",
    "to_mono",
]

SAMPLE_RATE = 16_000
"""Rate (Hz) at which every take is analysed."""

LOG_SCALE = 9.457798957824707
"""Divisor of the compressed spectrogram (the maximum of the pretrained trunk's training data)."""


@dataclass(frozen=True)
class FrontEnd:
    """Parameters of the log-mel front end (all at :data:`SAMPLE_RATE`).

    The defaults reproduce, at 16 kHz, the frequency resolution of the pretrained trunk's own front end
    (2048-point frames at 44.1 kHz: 21.5 Hz a bin, HTK mel bands over 0-22.05 kHz, of which the 71 bands
    below 8 kHz are kept) with a hop of 46.4 ms (21.6 frames a second).
    """

    n_fft: int = 743
    hop: int = 742
    n_mels_full: int = 96
    fmax_full: float = 22050.0

    @property
    def n_bins(self) -> int:
        """Number of FFT bins kept (those up to the Nyquist frequency of :data:`SAMPLE_RATE`)."""
        return self.n_fft // 2 + 1


FRONT_END = FrontEnd()
"""The front end the shipped model was trained with."""


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Mix a take down to one channel.

    Args:
        samples: ``(frames,)`` or ``(frames, channels)`` array of any numeric dtype. Integer arrays are
            scaled to [-1, 1] by their dtype's range.

    Returns:
        A contiguous ``(frames,)`` float32 array (the mean of the channels).

    Raises:
        ValueError: for arrays of more than two dimensions.
    """
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.integer):
        info = np.iinfo(x.dtype)
        x = x.astype(np.float32) / float(max(abs(info.min), info.max))
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        # a matrix-vector product is ~10x faster than x.mean(axis=1) on (frames, channels) arrays
        x = x @ np.full(x.shape[1], 1.0 / x.shape[1], np.float32) if x.shape[1] > 1 else x[:, 0]
    elif x.ndim != 1:
        raise ValueError(f"expected a (frames,) or (frames, channels) array, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


def resample(y: np.ndarray, orig_sr: int, target_sr: int = SAMPLE_RATE) -> np.ndarray:
    """Resample a mono signal (soxr, high quality). Returns float32; a no-op when the rates match."""
    if orig_sr <= 0:
        raise ValueError(f"sample rate must be positive, got {orig_sr}")
    y = np.asarray(y, dtype=np.float32)
    if orig_sr == target_sr or y.size == 0:
        return y
    import soxr  # librosa's own resampler; imported here to keep module import light

    return np.asarray(soxr.resample(y, orig_sr, target_sr, quality="HQ"), dtype=np.float32)


def loudest_span(y: np.ndarray, sample_rate: int, seconds: float, block_seconds: float = 0.01) -> tuple[int, int]:
    """``(start, end)`` samples of the loudest ``seconds`` of a mono signal (the whole signal if not longer).

    Loudness is the energy in blocks of ``block_seconds``, summed over a sliding span of whole blocks: a
    cheap envelope taken on the signal as recorded, so that only the span needs resampling and analysis.
    Blocks holding NaN or infinity count as silent.
    """
    length = round(seconds * sample_rate)
    if seconds <= 0 or y.size <= length:
        return 0, int(y.size)
    block = max(1, round(block_seconds * sample_rate))
    n_blocks = y.size // block
    blocks = y[: n_blocks * block].reshape(n_blocks, block)
    with np.errstate(invalid="ignore", over="ignore"):
        # float32 sums of one block's squares are exact enough, and 4x faster than float64 ones
        energy = np.einsum("ij,ij->i", blocks, blocks).astype(np.float64)
    energy[~np.isfinite(energy)] = 0.0
    span_blocks = min(n_blocks, length // block)
    sums = np.concatenate(([0.0], np.cumsum(energy)))
    start = int(np.argmax(sums[span_blocks:] - sums[: n_blocks - span_blocks + 1])) * block
    start = min(start, y.size - length)
    return start, start + length


def peak_dbfs(y: np.ndarray) -> float:
    """Peak level of a signal in dB relative to full scale (``-inf`` for an all-zero or empty signal).

    NaN and infinite samples count as silence (``-inf`` if all are).
    """
    if y.size == 0:
        return float("-inf")
    peak = max(float(np.max(y)), -float(np.min(y)))  # no abs() temporary on the common, finite path
    if not np.isfinite(peak):
        peak = float(np.max(np.abs(np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0))))
    return 20.0 * float(np.log10(peak)) if peak > 0 else float("-inf")


def prepare(samples: np.ndarray, sample_rate: int, normalise: bool = True) -> np.ndarray:
    """Mix down, resample to :data:`SAMPLE_RATE` and (by default) peak-normalise a take.

    Args:
        samples: ``(frames,)`` or ``(frames, channels)`` audio.
        sample_rate: its rate in Hz.
        normalise: scale so the absolute peak is 1 (a silent take is returned unscaled).

    Returns:
        ``(frames',)`` float32 at 16 kHz.
    """
    y = resample(to_mono(samples), int(sample_rate))
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    if normalise and y.size:
        peak = float(np.max(np.abs(y)))
        if peak > 0:
            y = y / peak
    return y.astype(np.float32, copy=False)


@lru_cache(maxsize=8)
def mel_filterbank(front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """The ``(bands, bins)`` mel filterbank (HTK scale, unit-sum filters), bands with no bin dropped.

    The filters are those of a ``n_mels_full``-band bank over 0-``fmax_full`` Hz laid on the same bin
    spacing, restricted to the bins below 8 kHz; bands that fall entirely above 8 kHz are dropped.

    The same numbers as ``librosa.filters.mel(htk=True, norm=1)`` (a test compares them), computed here
    because importing librosa takes 1.5 s, which the classifier's own process (:mod:`.process`) would
    otherwise spend at every start of a patch.
    """
    full_sr = front_end.fmax_full * 2.0
    full_nfft = round(front_end.n_fft * full_sr / SAMPLE_RATE)
    bin_hz = np.fft.rfftfreq(full_nfft, d=1.0 / full_sr)
    mel_edges = np.linspace(_hz_to_htk_mel(0.0), _hz_to_htk_mel(front_end.fmax_full), front_end.n_mels_full + 2)
    edges_hz = 700.0 * (10.0 ** (mel_edges / 2595.0) - 1.0)
    widths = np.diff(edges_hz)
    ramps = np.subtract.outer(edges_hz, bin_hz)
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    fb = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    sums = np.abs(fb).sum(axis=1, dtype=np.float64, keepdims=True)
    fb = (fb / np.where(sums < np.finfo(np.float32).tiny, 1.0, sums))[:, : front_end.n_bins]
    fb = fb[np.abs(fb).sum(axis=1) > 0]
    fb = np.ascontiguousarray(fb, dtype=np.float32)
    fb.setflags(write=False)
    return fb


def _hz_to_htk_mel(hz: float) -> float:
    return float(2595.0 * np.log10(1.0 + hz / 700.0))


def frame_rate(front_end: FrontEnd = FRONT_END) -> float:
    """Spectrogram frames per second."""
    return SAMPLE_RATE / front_end.hop


def mel_power(y: np.ndarray, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """Mel-band power of a 16 kHz mono signal: ``(frames, bands)`` float32, linear scale.

    Frames are centred (the signal is reflect-padded by ``n_fft // 2``, zero-padded when it is too short
    to reflect), so a signal of ``n`` samples gives ``1 + n // hop`` frames.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"mel_power expects a mono (frames,) signal, got shape {y.shape}")
    n_fft, hop = front_end.n_fft, front_end.hop
    pad = n_fft // 2
    mode = "reflect" if y.size > pad else "constant"
    yp = np.pad(y, pad, mode=mode)  # type: ignore[call-overload]
    n_frames = 1 + (yp.size - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(
        yp, shape=(n_frames, n_fft), strides=(yp.strides[0] * hop, yp.strides[0]), writeable=False
    )
    # scipy's FFT runs in float32 for float32 input (numpy's computes the same numbers about 2x slower on
    # this prime size); the features agree with numpy's within 3e-7 after compression (tests/models).
    from scipy import fft as sp_fft

    spec = sp_fft.rfft(frames * _hann(n_fft), axis=1)
    power = np.square(spec.real)
    power += np.square(spec.imag)
    return np.asarray(power @ mel_filterbank(front_end).T, dtype=np.float32)


def compress(power: np.ndarray, gain: float | np.ndarray = 1.0) -> np.ndarray:
    """Log compression used by the network: ``log10(1 + 10000 * gain * power) / 9.4578``."""
    return np.log10(1.0 + 10000.0 * gain * power).astype(np.float32) / np.float32(LOG_SCALE)


def log_mel(y: np.ndarray, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """``(frames, bands)`` float32 log-mel spectrogram of a 16 kHz mono signal (see :func:`prepare`)."""
    return compress(mel_power(y, front_end))


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    # periodic Hann window, as torch.hann_window and librosa use
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)
    w.setflags(write=False)
    return w
