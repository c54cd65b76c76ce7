"""Log-mel front end of the classifier: plain functions, NumPy arrays in, NumPy arrays out.

Every take goes through the same steps, at training and at serving time alike (serve with the
preprocessing you trained with), at the rate it was recorded at:

1. :func:`to_mono` mixes a ``(frames,)`` or ``(frames, channels)`` array down to one channel;
2. :func:`mel_power` cuts it into Hann frames of about 46 ms (:func:`frame_length` samples at its rate,
   a length the FFT is fast for) every 46.4 ms (:func:`hop_length`), and sums the power of the bins below
   8 kHz into HTK mel bands with unit-sum filters. The bands, frame and hop durations are those of the
   pretrained trunk (its 2048-point frames at 44.1 kHz give the frequency resolution); analysing at the
   take's own rate instead of resampling it first gives the same bands for a third of the work;
3. :func:`normalise_peak` scales the power as if the take had been peak-normalised, after
   :func:`remove_offset` has taken away any constant (DC) offset, so that an offset neither lowers the
   normalised level nor fills the lowest band;
4. :func:`compress` gives the scale the trunk expects, ``log10(1 + 10000 * power) / 9.4578``.

:func:`analyse` does 1-3. :func:`compress` is apart so that training can apply a gain in the power domain
before the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from exsampling_patch.mixdown import mix_down

__all__ = [
    "CLASSIFIED_SECONDS",
    "FRONT_END",
    "LEGACY_SPAN_SECONDS",
    "SAMPLE_RATE",
    "SPAN_WITHIN",
    "FrontEnd",
    "analyse",
    "compress",
    "frame_length",
    "frame_rate",
    "hop_length",
    "log_mel",
    "loudest_span",
    "mel_filterbank",
    "mel_power",
    "normalise_peak",
    "peak_dbfs",
    "remove_offset",
    "scores_other_span",
    "to_mono",
    "trained_span",
]

CLASSIFIED_SECONDS = 3.84
"""How much of a take the classifier node scores, by default: its loudest span of this length (:func:`loudest_span`):
four of YAMNet's 0.96 s patches laid side by side, where 5 s took six (models/MODEL_CARD.md, "The loudest 3.84 s").
The one figure that the node, ``exsampling classify``
(through the node's default), ``exsampling train`` and the shipped recipe share: training on another span than the
one scored fits the head on inputs it never reads."""

LEGACY_SPAN_SECONDS = 5.0
"""The span a model file with no ``span_seconds`` in its ``meta`` was trained on: every trainer before 3039502a
(`exsampling train`, the shipped recipe) fitted its head on a take's loudest 5 s and recorded no span."""


def trained_span(meta: object) -> float:
    """The span (s) of each take a model file's head was trained on, from its ``meta``: its ``span_seconds``, else
    :data:`LEGACY_SPAN_SECONDS` (a file written before the span was recorded); 0 where trained on whole takes."""
    span = meta.get("span_seconds") if isinstance(meta, dict) else None
    if isinstance(span, int | float) and not isinstance(span, bool) and span >= 0:
        return float(span)
    return LEGACY_SPAN_SECONDS


SPAN_WITHIN = 0.005
"""A ``max_seconds`` within this of a model's trained span is that span (a patch's 3.8 for 3.84 is not)."""


def scores_other_span(scored: float, trained: float) -> bool:
    """Whether scoring each take's loudest ``scored`` s reads another span than the head was trained on
    (``trained``, :func:`trained_span`): never for 0 on either side (the whole take, which no trainer trains on)."""
    return bool(scored) and bool(trained) and abs(scored - trained) > SPAN_WITHIN

SAMPLE_RATE = 16_000
"""Reference rate (Hz): the front end's frame and hop are 743 and 742 samples at this rate."""

LOG_SCALE = 9.457798957824707
"""Divisor of the compressed spectrogram (the maximum of the pretrained trunk's training data)."""


@dataclass(frozen=True)
class FrontEnd:
    """Parameters of the log-mel front end, in seconds and hertz, whatever the take's rate.

    The defaults reproduce the frequency resolution of the pretrained trunk's own front end (2048-point
    frames at 44.1 kHz: 21.5 Hz a bin, HTK mel bands over 0-22.05 kHz, of which the 71 bands below 8 kHz
    are kept) with a hop of 46.4 ms (21.6 frames a second).
    """

    frame_seconds: float = 743 / 16_000
    hop_seconds: float = 742 / 16_000
    n_mels_full: int = 96
    fmax_full: float = 22050.0
    fmax: float = 8000.0
    n_bands: int = 71


FRONT_END = FrontEnd()
"""The front end the shipped model was trained with."""


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Mix a take down to one channel.

    Args:
        samples: ``(frames,)`` or ``(frames, channels)`` array of any numeric dtype. Integer arrays are
            scaled to [-1, 1] by their dtype's range.

    Returns:
        A contiguous ``(frames,)`` float32 array: the mean of the channels, or the loudest channel of a
        take whose channels cancel each other out (:func:`exsampling_patch.mixdown.mix_down`).

    Raises:
        ValueError: for arrays of more than two dimensions.
    """
    x = np.asarray(samples)
    if np.issubdtype(x.dtype, np.integer):
        info = np.iinfo(x.dtype)
        x = x.astype(np.float32) / float(max(abs(info.min), info.max))
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        x = mix_down(x)
    elif x.ndim != 1:
        raise ValueError(f"expected a (frames,) or (frames, channels) array, got shape {x.shape}")
    return np.ascontiguousarray(x, dtype=np.float32)


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
    _, peak = _finite_peak(y)
    return 20.0 * float(np.log10(peak)) if peak > 0 else float("-inf")


def _finite_peak(y: np.ndarray) -> tuple[np.ndarray, float]:
    """``y`` with NaN and infinite samples as 0 (``y`` itself when it has none), and its absolute peak
    (0.0 for an empty signal)."""
    if y.size == 0:
        return y, 0.0
    peak = max(float(np.max(y)), -float(np.min(y)))  # no abs() temporary on the common, finite path
    if np.isfinite(peak):
        return y, peak
    y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
    return y, float(np.max(np.abs(y)))


def remove_offset(y: np.ndarray) -> np.ndarray:
    """A mono signal less its mean (a new array; ``y`` itself when empty).

    A recorder's constant (DC) offset is no sound, yet it counts in the peak that the take is normalised by,
    so an offset take was analysed quieter than the same take without, and classified worse
    (models/MODEL_CARD.md, "Preprocessing").
    """
    if y.size == 0:
        return y
    return np.subtract(y, np.float32(np.mean(y, dtype=np.float64)), dtype=np.float32)


def analyse(samples: np.ndarray, sample_rate: int, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """Peak-normalised mel power ``(frames, bands)`` of a take less its DC offset, at its own rate (steps 1-3
    of the module).

    NaN and infinite samples count as silence. A silent take is returned unscaled (all zeros).
    """
    y, _ = _finite_peak(to_mono(samples))
    y, peak = _finite_peak(remove_offset(y))
    return normalise_peak(mel_power(y, sample_rate, front_end), peak)


def normalise_peak(power: np.ndarray, peak: float) -> np.ndarray:
    """Mel power of a signal whose absolute peak was ``peak``, as if it had been scaled to a peak of 1
    (in place; returned). Scaling the power costs a few thousand multiplications instead of the signal's
    hundreds of thousands."""
    if peak > 0:
        power *= np.float32(1.0 / (peak * peak))
    return power


def frame_length(sample_rate: int, front_end: FrontEnd = FRONT_END) -> int:
    """FFT frame length (samples) at ``sample_rate``: the length nearest ``front_end.frame_seconds`` that has
    no prime factor above 5 (743 samples at 16 kHz is prime: the FFT would take 4x as long)."""
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    exact = front_end.frame_seconds * sample_rate
    below = above = max(2, round(exact))
    while not _five_smooth(below):
        below -= 1
    while not _five_smooth(above):
        above += 1
    return below if exact - below < above - exact else above


def hop_length(sample_rate: int, front_end: FrontEnd = FRONT_END) -> int:
    """Hop between frames (samples) at ``sample_rate``."""
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, got {sample_rate}")
    return max(1, round(front_end.hop_seconds * sample_rate))


def _five_smooth(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


@lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int = SAMPLE_RATE, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """The ``(bands, bins)`` mel filterbank for frames of :func:`frame_length` samples at ``sample_rate``.

    The ``n_bands`` lowest bands of an ``n_mels_full``-band HTK bank over 0-``fmax_full`` Hz with unit-sum
    filters (each filter normalised over its whole triangle), laid on the frame's bins up to ``fmax`` Hz
    (or the Nyquist frequency, if lower). The same numbers as ``librosa.filters.mel(htk=True, norm=1)`` on
    that bin spacing (a test compares them), computed here because importing librosa takes 1.5 s, which the
    classifier's own process (:mod:`.process`) would otherwise spend at every start of a patch.
    """
    n_fft = frame_length(sample_rate, front_end)
    bin_hz = sample_rate / n_fft
    full_bins = np.arange(int(np.ceil(front_end.fmax_full / bin_hz)) + 1) * bin_hz
    mel_edges = np.linspace(_hz_to_htk_mel(0.0), _hz_to_htk_mel(front_end.fmax_full), front_end.n_mels_full + 2)
    edges_hz = 700.0 * (10.0 ** (mel_edges / 2595.0) - 1.0)
    widths = np.diff(edges_hz)
    ramps = np.subtract.outer(edges_hz, full_bins)
    rising, falling = -ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]
    fb = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    sums = np.abs(fb).sum(axis=1, dtype=np.float64, keepdims=True)
    fb = fb / np.where(sums < np.finfo(np.float32).tiny, 1.0, sums)
    n_bins = min(int(front_end.fmax / bin_hz) + 1, n_fft // 2 + 1)
    fb = np.ascontiguousarray(fb[: front_end.n_bands, :n_bins], dtype=np.float32)
    fb.setflags(write=False)
    return fb


def _hz_to_htk_mel(hz: float) -> float:
    return float(2595.0 * np.log10(1.0 + hz / 700.0))


def frame_rate(front_end: FrontEnd = FRONT_END) -> float:
    """Spectrogram frames per second (nominal: the hop is rounded to whole samples at each rate)."""
    return 1.0 / front_end.hop_seconds


def mel_power(y: np.ndarray, sample_rate: int = SAMPLE_RATE, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """Mel-band power of a mono signal at ``sample_rate``: ``(frames, bands)`` float32, linear scale.

    Frames are centred (the signal is reflect-padded by half a frame, zero-padded when it is too short
    to reflect), so a signal of ``n`` samples gives ``1 + n // hop_length(sample_rate)`` frames. The window
    is scaled to the sum of a 743-point Hann window, so that a signal gives the same band powers at any rate.
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"mel_power expects a mono (frames,) signal, got shape {y.shape}")
    n_fft, hop = frame_length(sample_rate, front_end), hop_length(sample_rate, front_end)
    pad = n_fft // 2
    mode = "reflect" if y.size > pad else "constant"
    yp = np.pad(y, pad, mode=mode)  # type: ignore[call-overload]
    n_frames = 1 + (yp.size - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(
        yp, shape=(n_frames, n_fft), strides=(yp.strides[0] * hop, yp.strides[0]), writeable=False
    )
    fb = mel_filterbank(sample_rate, front_end)
    # scipy's FFT runs in float32 for float32 input (numpy's runs in float64: slower)
    from scipy import fft as sp_fft

    spec = sp_fft.rfft(frames * _window(n_fft, front_end.frame_seconds * SAMPLE_RATE), axis=1)[:, : fb.shape[1]]
    power = np.square(spec.real)
    power += np.square(spec.imag)
    return np.asarray(power @ fb.T, dtype=np.float32)


def compress(power: np.ndarray, gain: float | np.ndarray = 1.0) -> np.ndarray:
    """Log compression used by the network: ``log10(1 + 10000 * gain * power) / 9.4578``."""
    return np.log10(1.0 + 10000.0 * gain * power).astype(np.float32) / np.float32(LOG_SCALE)


def log_mel(y: np.ndarray, sample_rate: int = SAMPLE_RATE, front_end: FrontEnd = FRONT_END) -> np.ndarray:
    """``(frames, bands)`` float32 log-mel spectrogram of a mono signal, not normalised."""
    return compress(mel_power(y, sample_rate, front_end))


@lru_cache(maxsize=16)
def _window(n: int, reference_length: float) -> np.ndarray:
    # periodic Hann window (as torch.hann_window and librosa use), scaled to the sum of one of
    # reference_length points: band powers then do not depend on the rate a take is analysed at
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)) * (reference_length / n)
    w = w.astype(np.float32)
    w.setflags(write=False)
    return w
