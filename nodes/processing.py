"""Take processing: trim silence, normalise, split at onsets, estimate pitch.

The signal functions are plain numpy (librosa for onsets and pyin, imported when first needed) so
they can be used and tested without a patch; the node classes are thin wrappers around them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.nodes.take_level import take_level
from exsampling_patch.ports import TAKE

from .yin import yin

# -- signal functions -------------------------------------------------------------------------------------------


def frame_power(mono: np.ndarray, frame: int, hop: int, around_mean: bool = False) -> np.ndarray:
    """Mean square of each frame starting every ``hop`` samples (the last frames zero-padded).

    ``around_mean``: the power around each frame's own mean (its variance, over the samples the frame holds,
    no padding), so that a constant or slowly drifting offset does not count as sound.
    """
    if frame % hop == 0 and len(mono) >= hop:
        return _frame_power_blocks(mono, frame // hop, hop, around_mean)
    x = mono.astype(np.float64)
    starts = np.arange(0, max(len(mono), 1), hop)
    ends = np.minimum(starts + frame, len(mono))
    energy = np.concatenate(([0.0], np.cumsum(x**2)))
    if not around_mean:
        return np.asarray((energy[ends] - energy[starts]) / frame)
    sums = np.concatenate(([0.0], np.cumsum(x)))
    return _variance(energy[ends] - energy[starts], sums[ends] - sums[starts], np.maximum(ends - starts, 1))


def _variance(energy: np.ndarray, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Power around the mean of frames of ``counts`` samples, from their sums of squares and sums."""
    return np.asarray(np.maximum(energy / counts - (sums / counts) ** 2, 0.0))


def _frame_power_blocks(mono: np.ndarray, per_frame: int, hop: int, around_mean: bool) -> np.ndarray:
    """:func:`frame_power` for frames of whole hops: the energy of each hop-long block (one float32 dot
    product each: no (frames,) float64 temporaries), summed per frame."""
    x = np.asarray(mono, dtype=np.float32)
    full = len(x) // hop
    blocks = x[: full * hop].reshape(full, hop)
    has_tail = len(x) > full * hop
    energy = np.empty(full + has_tail + 1)
    energy[0] = 0.0
    energy[1 : full + 1] = np.einsum("ij,ij->i", blocks, blocks)
    if has_tail:
        tail = x[full * hop :]
        energy[-1] = float(np.dot(tail, tail))
    np.cumsum(energy, out=energy)
    starts = np.arange(len(energy) - 1)
    ends = np.minimum(starts + per_frame, len(energy) - 1)
    if not around_mean:
        return np.asarray((energy[ends] - energy[starts]) / (per_frame * hop))
    sums = np.empty_like(energy)
    sums[0] = 0.0
    sums[1 : full + 1] = blocks.sum(axis=1, dtype=np.float64)
    if has_tail:
        sums[-1] = float(x[full * hop :].sum(dtype=np.float64))
    np.cumsum(sums, out=sums)
    counts = np.minimum((starts + per_frame) * hop, len(x)) - starts * hop
    return _variance(energy[ends] - energy[starts], sums[ends] - sums[starts], counts)


def trim_bounds(mono: np.ndarray, sample_rate: int, top_db: float, reference: str = "peak",
                frame_ms: float = 20.0) -> tuple[int, int]:
    """(start, end) sample bounds of the sound: frames louder than ``top_db`` below the reference.

    ``reference`` is ``"peak"`` (the loudest frame, as librosa.effects.trim) or ``"full_scale"``
    (0 dBFS: an absolute threshold). Returns (0, 0) when every frame is below the threshold. A frame's level
    is its power around its own mean: a recorder's DC offset, however small against the sound, is not sound
    (measured from zero, an offset 60 dB below the peak kept every frame).
    """
    frame = max(16, int(sample_rate * frame_ms / 1000))
    hop = max(1, frame // 4)
    power = frame_power(mono, frame, hop, around_mean=True)
    ref = float(power.max()) if reference == "peak" else 0.5  # 0.5: mean square of a full-scale sine
    if ref <= 0.0:
        return 0, 0
    loud = np.flatnonzero(power > ref * 10 ** (-top_db / 10))
    if loud.size == 0:
        return 0, 0
    return int(loud[0] * hop), int(min(len(mono), loud[-1] * hop + frame))


def trim_cut(frames: int, sample_rate: int, start: int, end: int, pad_ms: float = 0.0,
             min_ms: float = 30.0) -> tuple[int, int]:
    """Where the trim node cuts a take of ``frames`` samples whose sound is ``[start, end)`` (:func:`trim_bounds`):
    ``pad_ms`` more each side, and never shorter than ``min_ms``. Its defaults are the node's; `exsampling train`
    trims its takes with them too (models/datasets.py), so that it trains on what the default patch classifies."""
    pad = int(pad_ms * sample_rate / 1000)
    start, end = max(0, start - pad), min(frames, end + pad)
    shortest = math.ceil(min_ms * sample_rate / 1000)
    if end - start < shortest:  # what follows the sound first (its decay), then what comes before it
        end = min(frames, start + shortest)
        start = max(0, end - shortest)
    return start, end


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770-4: K-weighted, 400 ms blocks, absolute and relative gates),
    measured by pyloudnorm; ``-inf`` for silence.

    BS.1770 needs at least one 400 ms block: a shorter take is measured as one block of its own length.
    Takes of more than five channels count their first five (BS.1770's channel weights stop there).
    """
    import pyloudnorm

    data = np.asarray(samples, dtype=np.float64)
    data = data[:, :5] if data.ndim == 2 else data
    seconds = data.shape[0] / float(sample_rate)
    if seconds <= 0.0:
        return -math.inf
    meter = pyloudnorm.Meter(sample_rate, block_size=min(0.4, seconds * 0.999))
    with np.errstate(divide="ignore"):
        return float(meter.integrated_loudness(data))


#: librosa's onset detector: its FFT length and hop (samples, at any rate).
ONSET_FFT = 2048
ONSET_HOP = 512
#: Sound before the first onset louder than this below the take's loudest millisecond is a piece of its own.
LEAD_DB = 20.0


def onset_positions(mono: np.ndarray, sample_rate: int, min_gap: float, max_count: int) -> list[int]:
    """Sample positions of onsets, each where its hit starts to rise (to a millisecond), ``min_gap`` s apart at least.

    librosa finds the hits. It is shown the take after ``ONSET_FFT`` samples of silence, so that a hit at
    the very start (as a trimmed take begins) rises out of silence and is found; each onset is then moved to
    the start of its attack in a 1 ms energy envelope (:func:`attack_start`): librosa's own backtracking
    works in hops of 512 samples and could place an onset 5-10 ms into the hit, a third of a 30 ms hi-hat.
    Sound before the first onset that the detector did not take for a hit (a sound already playing when the
    take began) gets an onset at the start of the take when it is within ``LEAD_DB`` of the take's peak.
    """
    import librosa

    mono = np.asarray(mono, dtype=np.float32)
    if not mono.size:
        return []
    padded = np.concatenate([np.zeros(ONSET_FFT, np.float32), mono])
    found = librosa.onset.onset_detect(y=padded, sr=sample_rate, units="samples", hop_length=ONSET_HOP,
                                       backtrack=True)
    detected = sorted({min(len(mono) - 1, max(0, int(o) - ONSET_FFT)) for o in found})
    step = max(1, sample_rate // 1000)
    envelope = frame_power(mono, step, step)
    onsets: list[int] = []
    for i, onset in enumerate(detected):
        low = max(onset - ONSET_FFT, (detected[i - 1] + onset) // 2 if i else 0, onsets[-1] if onsets else 0)
        high = min(len(mono), onset + ONSET_FFT, (onset + detected[i + 1]) // 2 if i + 1 < len(detected) else len(mono))
        onsets.append(attack_start(envelope, step, onset, low, high))
    peak = float(envelope.max())
    first = onsets[0] if onsets else len(mono)
    if first > 0 and peak > 0.0 and float(envelope[: first // step].max(initial=0.0)) >= peak * 10 ** (-LEAD_DB / 10):
        onsets.insert(0, 0)
    kept: list[int] = []
    for onset in sorted(set(onsets)):
        if not kept or onset - kept[-1] >= min_gap * sample_rate:
            kept.append(onset)
        if len(kept) >= max_count:
            break
    return kept


def attack_start(envelope: np.ndarray, step: int, onset: int, low: int, high: int) -> int:
    """The sample where the hit detected near ``onset`` starts to rise, searched within [low, high).

    ``envelope`` is the signal's power in frames of ``step`` samples. The hit's peak is the loudest frame
    from ``onset`` on; its attack starts after the last frame before the peak that is within 6 dB of the
    quietest frame between ``low`` and the peak (the silence, noise floor or previous sound's tail it rises
    from). The start of that quiet frame is returned: at most one frame early, never into the attack.
    """
    first, last = low // step, max(low // step + 1, -(-high // step))
    at = min(max(onset // step, first), last - 1)
    peak = at + int(np.argmax(envelope[at:last]))
    floor = float(envelope[first : peak + 1].min())
    quiet = np.flatnonzero(envelope[first : peak + 1] <= floor * 4.0)
    return int((first + quiet[-1]) * step) if quiet.size else low


def estimate_pitch(mono: np.ndarray, sample_rate: int, method: str = "pyin", fmin: float = 40.0,
                   fmax: float = 2000.0, max_seconds: float = 4.0) -> tuple[float | None, float]:
    """(median f0 in Hz or None, confidence 0..1) over the take's sounding frames.

    pyin's confidence is its mean voicing probability over sounding frames; yin has none, so its
    confidence is the share of sounding frames whose f0 lies within 50 cents of the median.
    """
    y = mono[: int(max_seconds * sample_rate)].astype(np.float32)
    if sample_rate > 24000:  # pitch needs no more bandwidth; a third of the work
        y = resample_for_pitch(y, sample_rate)
        sample_rate = PITCH_RATE
    frame = 2048
    if len(y) < frame or not np.any(y):
        return None, 0.0
    fmax = min(fmax, sample_rate / 2 - 1)
    power = frame_power(np.pad(y, frame // 2), frame, 512)[: 1 + len(y) // 512]
    sounding = power > power.max() * 10 ** (-40 / 10)
    if method == "pyin":
        import librosa

        f0, voiced, prob = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=sample_rate, frame_length=frame, hop_length=512)
        n = min(len(f0), len(sounding))
        f0, voiced, prob, sounding = f0[:n], voiced[:n], prob[:n], sounding[:n]
        confidence = float(np.mean(prob[sounding])) if sounding.any() else 0.0
        good = voiced & sounding & np.isfinite(f0)
        if good.sum() < 3:
            return None, confidence
        return float(np.median(f0[good])), confidence
    f0 = yin(y, fmin, fmax, sample_rate, frame_length=frame, hop_length=512)
    n = min(len(f0), len(sounding))
    f0, sounding = f0[:n], sounding[:n]
    if sounding.sum() < 3:
        return None, 0.0
    voiced = voiced_frames(f0[sounding])
    return float(np.median(f0[sounding][voiced])), float(np.mean(voiced))


PITCH_RATE = 22050
"""The rate pitch is estimated at for takes recorded above 24 kHz."""


def resample_for_pitch(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """``y`` at :data:`PITCH_RATE`, by soxr's high quality (as ``librosa.resample(res_type="soxr_hq")``,
    without importing librosa), its length rounded up."""
    import soxr

    out = np.asarray(soxr.resample(y, sample_rate, PITCH_RATE, quality="HQ"), dtype=y.dtype)
    size = int(np.ceil(len(y) * PITCH_RATE / sample_rate))
    return out[:size] if len(out) >= size else np.pad(out, (0, size - len(out)))


def voiced_frames(f0: np.ndarray, width_cents: float = 50.0) -> np.ndarray:
    """The frames of the take's one pitch: those within ``width_cents`` of the f0 that most frames lie near.

    yin gives an f0 for every frame, voiced or not, and octave errors on some; the median of them all moved
    with the share of noise and octave slips in the take. The frames around the densest pitch are the voiced
    part of the note, and their median stays put.
    """
    cents = 1200.0 * np.log2(np.maximum(f0, 1e-6))
    order = np.sort(cents)
    near = np.searchsorted(order, order + width_cents, "right") - np.searchsorted(order, order - width_cents, "left")
    densest = order[near == near.max()]
    # Ties: the middle one of the densest frames, a frame's own pitch, so that at least that frame is voiced (the
    # median of two equally dense notes an octave apart lay between them, and no frame was).
    centre = float(densest[len(densest) // 2])
    return np.asarray(np.abs(cents - centre) < width_cents)


#: The classifier's shortest take (``models.classifier.Classifier.min_seconds``): shorter is "too short".
SHORTEST_TAKE_S = 0.03
TRIM_DB = 60.0
"""The trim node's default level of silence below the loudest frame (the default patch's): `exsampling train` trims
with it (models/datasets.py)."""


# -- nodes --------------------------------------------------------------------------------------------------


class Trim(Node):
    """Cut the silence from the start and end of each take."""

    type_name = "trim"
    family = "processing"
    hang_after = 10.0  # milliseconds a take; 10 s is something wrong

    take = Input(TAKE, "takes to trim", multiple=True)
    out = Output(TAKE, "the trimmed take (meta trim_start_s)")

    top_db = Param(float, TRIM_DB, "silence is this many dB below the reference", minimum=1.0, maximum=120.0, unit="dB")
    reference = Param(str, "peak", "the level top_db is measured from: the take's loudest frame, or 0 dBFS",
                      choices=("peak", "full_scale"))
    pad_ms = Param(float, 0.0, "keep this much more before and after the sound", minimum=0.0, maximum=1000.0,
                   unit="ms")
    drop_silent = Param(bool, True, "drop takes that are silence throughout (otherwise pass them on, marked), and "
                        "takes too short to measure (under 30 ms, which the classifier turns down too)")
    min_ms = Param(float, 30.0, "never cut a take shorter than this (a tick's audible part can be 10-20 ms; the "
                   "classifier takes 30 ms or more): the quiet after the sound, or before it, is kept to fill it",
                   minimum=0.0, maximum=1000.0, unit="ms")

    def on_take(self, take: Take) -> None:
        start, end = trim_bounds(take.mono(), take.sample_rate, self.top_db, self.reference)
        if end <= start:
            # Nothing above top_db: silent, but for a take of a few samples, which has no level to measure (around its
            # own mean, one sample is 0): not known to be silent, it is too short, in the classifier's words (which
            # turns it down for the same reason), and passed on unmarked.
            short = take.duration < SHORTEST_TAKE_S
            why = f"too short: {take.duration:.2f} s < {SHORTEST_TAKE_S:.2f} s" if short else "silent"
            self.report_status(take=take.take_id, label=why if short else "silent take")
            if not self.drop_silent:
                self.emit("out", take if short else take.derive(meta={"silent": True}))
            else:
                self.tell_fate(take, "dropped", why)
            return
        start, end = trim_cut(take.frames, take.sample_rate, start, end, self.pad_ms, self.min_ms)
        trimmed = take.derive(take.samples[start:end], meta={"trim_start_s": start / take.sample_rate,
                                                             "trim_db": self.top_db})
        self.report_status(take=take.take_id, label=f"{take.duration:.2f} -> {trimmed.duration:.2f} s",
                           level=take_level(trimmed))
        self.emit("out", trimmed)


class Normalize(Node):
    """Bring each take to a peak level or a loudness (LUFS), never past a ceiling."""

    type_name = "normalize"
    family = "processing"
    hang_after = 10.0

    take = Input(TAKE, "takes to normalise", multiple=True)
    out = Output(TAKE, "the normalised take (meta gain_db)")

    mode = Param(str, "peak", "what to bring to the target", choices=("peak", "loudness"))
    peak_db = Param(float, -1.0, "peak target (mode peak)", minimum=-60.0, maximum=0.0, unit="dBFS")
    loudness_lufs = Param(float, -16.0, "integrated loudness target (mode loudness)", minimum=-60.0, maximum=0.0,
                          unit="LUFS")
    ceiling_db = Param(float, -0.3, "the peak is never raised past this", minimum=-60.0, maximum=0.0, unit="dBFS")
    max_gain_db = Param(float, 40.0, "never amplify more than this (noise floors stay down)", minimum=0.0,
                        maximum=80.0, unit="dB")

    def on_take(self, take: Take) -> None:
        peak = float(np.max(np.abs(take.samples))) if take.frames else 0.0
        if peak <= 0.0:
            self.emit("out", take.derive(meta={"gain_db": 0.0}))
            return
        peak_now = 20 * math.log10(peak)
        if self.mode == "peak":
            gain_db = self.peak_db - peak_now
        else:
            loudness = integrated_loudness(take.samples, take.sample_rate)
            gain_db = 0.0 if math.isinf(loudness) else self.loudness_lufs - loudness
        gain_db = min(gain_db, self.ceiling_db - peak_now, self.max_gain_db)
        gain = np.float32(10 ** (gain_db / 20))
        normalized = take.derive(take.samples * gain, meta={"gain_db": round(gain_db, 3)})
        self.report_status(take=take.take_id, label=f"{gain_db:+.1f} dB", level=take_level(normalized))
        self.emit("out", normalized)


class OnsetSplit(Node):
    """Split a take into one-shots at its onsets (each a new take; meta origin_take names the source)."""

    type_name = "onset_split"
    family = "processing"

    take = Input(TAKE, "takes to split", multiple=True)
    out = Output(TAKE, "one take per onset, in order")

    min_gap = Param(float, 0.1, "onsets closer than this to the previous one are ignored", minimum=0.01,
                    maximum=10.0, unit="s")
    max_count = Param(int, 16, "at most this many one-shots per take", minimum=1, maximum=256)
    fade_ms = Param(float, 5.0, "fade-out at each cut (no clicks)", minimum=0.0, maximum=100.0, unit="ms")

    def on_take(self, take: Take) -> None:
        onsets = onset_positions(take.mono(), take.sample_rate, self.min_gap, self.max_count)
        if not onsets:
            self.emit("out", take.derive(meta={"onset_index": 0, "onsets": 0}))
            return
        bounds = [*onsets, take.frames]
        origin = take.meta.get("origin_take") or take.take_id
        fade = int(self.fade_ms * take.sample_rate / 1000)
        for i, (start, end) in enumerate(itertools.pairwise(bounds)):
            piece = take.samples[start:end].copy()
            if i < len(onsets) - 1 and 0 < fade < len(piece):
                piece[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
            self.emit("out", take.derive(piece, take_id=f"{take.take_id}.{i + 1}", path=None, meta={
                "origin_take": origin, "onset_index": i, "onsets": len(onsets), "onset_s": start / take.sample_rate}))
        self.report_status(take=take.take_id, label=f"{len(onsets)} one-shots")


class Pitch(Node):
    """Estimate each take's pitch (librosa pyin or yin) with a confidence; unpitched takes say so."""

    type_name = "pitch"
    family = "processing"
    hang_after = 20.0  # pyin on a long take can take seconds

    take = Input(TAKE, "takes to analyse", multiple=True)
    out = Output(TAKE, "the take with meta pitch_hz (None if unpitched), pitch_confidence, pitched")

    method = Param(str, "yin", "yin: quick; pyin: probabilistic, with voicing confidence, but a hundred times "
                   "slower (a worker stays busy that long; docs/performance.md has the figures)",
                   choices=("pyin", "yin"))
    fmin = Param(float, 40.0, "lowest pitch looked for", minimum=20.0, maximum=2000.0, unit="Hz")
    fmax = Param(float, 2000.0, "highest pitch looked for", minimum=50.0, maximum=8000.0, unit="Hz")
    min_confidence = Param(float, 0.5, "below this confidence the take counts as unpitched", minimum=0.0,
                           maximum=1.0)
    margin = Param(float, 0.1, "hysteresis around min_confidence: a take within this much of it keeps the last "
                   "decision (the first take is decided by min_confidence alone), so that takes near the threshold "
                   "do not flip between pitched and unpitched", minimum=0.0, maximum=0.5)
    max_seconds = Param(float, 1.0, "analyse at most this much of the take (the start of a trimmed take: its "
                        "note)", minimum=0.1, maximum=60.0, unit="s")

    last_decision: bool | None = None  # pitched or not, as the last take was decided; None before the first

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """fmin below fmax: each within its own limits, `fmin: 500, fmax: 300` passed check, and the node then
        never started ("yin needs 0 < fmin < fmax <= sample_rate / 2")."""
        fmin, fmax = params.get("fmin"), params.get("fmax")
        if isinstance(fmin, float) and isinstance(fmax, float) and fmin >= fmax:
            return {("fmin",): f"{fmin:g} Hz is not below fmax, {fmax:g} Hz: the pitches looked for lie between them"}
        return {}

    def start(self) -> None:
        self.last_decision = None
        # pyin's first call imports librosa and compiles with numba (seconds): pay that at start-up, not on the
        # show's first take (yin, in numpy, has little to warm).
        noise = np.random.default_rng(0).standard_normal(24000).astype(np.float32) * 0.1
        estimate_pitch(noise, 48000, self.method, self.fmin, self.fmax, 0.5)

    def decide(self, confidence: float) -> bool:
        """Pitched or not, with hysteresis: clear above or below the band around min_confidence, else as the last
        take was decided (a Schmitt trigger)."""
        if confidence >= self.min_confidence + self.margin:
            self.last_decision = True
        elif confidence < self.min_confidence - self.margin:
            self.last_decision = False
        elif self.last_decision is None:
            self.last_decision = confidence >= self.min_confidence
        return self.last_decision

    def on_take(self, take: Take) -> None:
        hz, confidence = estimate_pitch(take.mono(), take.sample_rate, self.method, self.fmin, self.fmax,
                                        self.max_seconds)
        pitched = self.decide(confidence) and hz is not None
        meta: dict[str, Any] = {"pitch_hz": round(hz, 3) if pitched and hz is not None else None,
                                "pitch_confidence": round(confidence, 4), "pitched": pitched,
                                "pitch_method": self.method}
        # pitch_confidence, not confidence: a label with a confidence is the take's class (the console and the
        # editor's take map read it so), and a pitch estimate is not one
        self.report_status(take=take.take_id, pitch_confidence=round(confidence, 4),
                           label=f"{hz:.1f} Hz" if pitched and hz else "unpitched")
        self.emit("out", take.derive(meta=meta))
