"""Take processing nodes on signals whose answers are known."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import Node
from exsampling_patch.nodes.processing import (
    Normalize,
    OnsetSplit,
    Pitch,
    Trim,
    estimate_pitch,
    integrated_loudness,
    voiced_frames,
)

from .conftest import sine

RATE = 48000


def run(node_type: type[Node], take: Take, **params: Any) -> list[Take]:
    node = node_type("n", params)
    node.start()
    node.handle("take", take)
    assert node.context.errors == []
    return [m for _, m in node.context.emitted]


def padded(signal: np.ndarray, before: float, after: float, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(1)
    out = np.concatenate([np.zeros(int(before * RATE)), signal, np.zeros(int(after * RATE))]).astype(np.float32)
    return out + (noise * rng.standard_normal(len(out))).astype(np.float32)


def test_trim_cuts_silence_at_both_ends() -> None:
    take = Take(padded(sine(440, 0.5), 0.3, 0.7, noise=1e-4), RATE, take_id="t1")
    (out,) = run(Trim, take, top_db=40.0)
    # Frame-wise, and never into the sound: a frame that touches the sound is kept whole (20 ms frames).
    assert 0.5 <= out.duration <= 0.55
    assert 0.27 <= out.meta["trim_start_s"] <= 0.3
    assert out.take_id == "t1"  # the same take, trimmed: status still finds it
    (kept,) = run(Trim, take, top_db=90.0)  # the noise floor is only ~77 dB down: nothing counts as silence
    assert kept.duration > 1.4


def test_trim_drops_or_marks_silent_takes() -> None:
    take = Take(np.zeros(RATE, np.float32), RATE)
    assert run(Trim, take) == []
    (marked,) = run(Trim, take, drop_silent=False)
    assert marked.meta["silent"] is True


def test_trim_says_a_take_of_a_few_samples_is_too_short_not_silent() -> None:
    # Around its own mean one sample has no power: a one-sample file was "silent take". The classifier's words.
    for samples in (np.array([0.5], np.float32), np.full(10, 0.5, np.float32)):
        trim = Trim("trim", {})
        trim.start()
        trim.handle("take", Take(samples, RATE))
        assert trim.context.emitted == []
        assert trim.context.statuses[-1]["label"] == "too short: 0.00 s < 0.03 s"
        assert trim.context.fates == [("dropped", "too short: 0.00 s < 0.03 s")]
    take = Take(np.full(10, 0.5, np.float32), RATE)
    (passed,) = run(Trim, take, drop_silent=False)
    assert passed is take and "silent" not in passed.meta  # not known to be silent: passed on as it came
    silent = Trim("trim", {})  # 50 ms of nothing is long enough to measure: silent, as before
    silent.start()
    silent.handle("take", Take(np.zeros(RATE // 20, np.float32), RATE))
    assert silent.context.fates == [("dropped", "silent")] and silent.context.statuses[-1]["label"] == "silent take"


def test_loudness_of_the_ebu_3341_reference_signals() -> None:
    # EBU Tech 3341, case 1: a stereo 1 kHz sine at -23 dBFS reads -23.0 +-0.1 LUFS; case 2: at -33 dBFS, -33.0.
    for level in (-23.0, -33.0):
        tone = sine(1000, 20.0, amp=10 ** (level / 20))
        assert integrated_loudness(np.stack([tone, tone], axis=1), RATE) == pytest.approx(level, abs=0.1)
    # Case 3, the relative gate: 10 s at -36 dBFS, 60 s at -23 dBFS, 10 s at -36 dBFS read -23.0 +-0.1 LUFS.
    quiet = sine(1000, 10.0, amp=10 ** (-36 / 20))
    gated = np.concatenate([quiet, sine(1000, 60.0, amp=10 ** (-23 / 20)), quiet])
    assert integrated_loudness(np.stack([gated, gated], axis=1), RATE) == pytest.approx(-23.0, abs=0.1)
    # Shorter than one 400 ms block: measured as one block; silence is -inf.
    short = sine(1000, 0.2, amp=10 ** (-23 / 20))
    assert integrated_loudness(np.stack([short, short], axis=1), RATE) == pytest.approx(-23.0, abs=0.2)
    assert integrated_loudness(np.zeros((RATE, 2), np.float32), RATE) == float("-inf")


def test_normalize_to_peak_and_to_loudness() -> None:
    take = Take(sine(997, 2.0, amp=0.1), RATE)
    (peak,) = run(Normalize, take, peak_db=-1.0)
    assert np.max(np.abs(peak.samples)) == pytest.approx(10 ** (-1 / 20), rel=1e-3)
    # A full-scale 997 Hz sine is -3.01 LUFS (BS.1770); at 0.1 it is 20 dB lower.
    assert integrated_loudness(take.samples, RATE) == pytest.approx(-23.01, abs=0.2)
    (loud,) = run(Normalize, take, mode="loudness", loudness_lufs=-18.0)
    assert integrated_loudness(loud.samples, RATE) == pytest.approx(-18.0, abs=0.2)
    (capped,) = run(Normalize, take, mode="loudness", loudness_lufs=-1.0, ceiling_db=-6.0)
    assert np.max(np.abs(capped.samples)) == pytest.approx(10 ** (-6 / 20), rel=1e-3)


def bursts(starts: list[float], length: float = 0.08, total: float = 2.0) -> np.ndarray:
    out = np.zeros(int(total * RATE), np.float32)
    env = np.exp(-np.arange(int(length * RATE)) / (0.015 * RATE)).astype(np.float32)
    rng = np.random.default_rng(2)
    for s in starts:
        i = int(s * RATE)
        out[i:i + len(env)] += 0.8 * env * rng.standard_normal(len(env)).astype(np.float32)
    return out


def test_onset_split_makes_one_shots() -> None:
    take = Take(bursts([0.2, 0.7, 1.2, 1.25]), RATE, take_id="kit", path=None)
    pieces = run(OnsetSplit, take, min_gap=0.2)
    assert [p.take_id for p in pieces] == ["kit.1", "kit.2", "kit.3"]
    assert [p.meta["onset_s"] for p in pieces] == pytest.approx([0.2, 0.7, 1.2], abs=0.03)
    assert all(p.meta["origin_take"] == "kit" for p in pieces)
    assert sum(p.frames for p in pieces) == take.frames - int(pieces[0].meta["onset_s"] * RATE)
    assert len(run(OnsetSplit, take, min_gap=0.02)) == 4
    assert len(run(OnsetSplit, take, min_gap=0.02, max_count=2)) == 2


def harmonic(freq: float, seconds: float = 1.5) -> np.ndarray:
    return sum((0.4 / k) * sine(freq * k, seconds, RATE) for k in (1, 2, 3))  # type: ignore[return-value]


@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_pitch_of_a_tone(method: str) -> None:
    (out,) = run(Pitch, Take(harmonic(220.0), RATE), method=method)
    assert out.meta["pitched"] is True
    assert out.meta["pitch_hz"] == pytest.approx(220.0, rel=0.01)
    assert out.meta["pitch_confidence"] > 0.5


@pytest.mark.parametrize("method", ["pyin", "yin"])
def test_unpitched_noise_says_so(method: str) -> None:
    noise = np.random.default_rng(3).standard_normal(int(1.5 * RATE)).astype(np.float32) * 0.3
    (out,) = run(Pitch, Take(noise, RATE), method=method)
    assert out.meta["pitched"] is False
    assert out.meta["pitch_hz"] is None  # not an invented 440


def test_two_equally_held_notes_give_one_of_them_not_a_pitch_between() -> None:
    """yin's frames split evenly between two notes two octaves apart: the voiced frames are one note's, and the
    take's pitch is that note (it was NaN: the median of tied notes fell between them and no frame was voiced)."""
    f0 = np.array([110.0] * 4 + [440.0] * 4)
    voiced = voiced_frames(f0)
    assert voiced.any()
    assert len(set(f0[voiced])) == 1


# -- pitch decided steadily: the same sound recorded again gets the same decision and estimate ------------------


def retakes(y: np.ndarray, rate: int, count: int = 20) -> list[Take]:
    """``count`` takes of one recording as a phone would make them again: another level (+-6 dB), another start
    (0-50 ms later), a faint noise floor."""
    start = int(np.flatnonzero(np.abs(y) > 0.02 * np.abs(y).max())[0])
    rng = np.random.default_rng(7)
    takes = []
    for _ in range(count):
        offset = start + int(rng.integers(0, int(0.05 * rate)))
        gain = 10 ** (rng.uniform(-6.0, 6.0) / 20)
        z = y[offset:] * gain + rng.standard_normal(len(y) - offset) * 1e-4
        takes.append(Take(z.astype(np.float32), rate))
    return takes


def recording(esc50: Any, name: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    y, rate = sf.read(esc50 / "audio" / name, dtype="float32")
    return y, int(rate)


@pytest.mark.parametrize(("name", "hz"), [("1-26806-A-1.flac", 655.0),  # a rooster: pitched
                                          ("1-21421-A-46.flac", 241.5),  # church bells: a partial, not pitched
                                          ("tone", 220.0)])
def test_the_same_sound_recorded_20_times_gets_one_decision_and_one_estimate(esc50: Any, name: str,
                                                                             hz: float) -> None:
    y, rate = (harmonic(220.0, 2.0), RATE) if name == "tone" else recording(esc50, name)
    node = Pitch("pitch", {})
    node.start()
    decisions, estimates = set(), []
    for take in retakes(y, rate):
        node.handle("take", take)
        out = node.context.emitted[-1][1]
        decisions.add(out.meta["pitched"])
        estimates.append(estimate_pitch(take.mono(), rate, "yin", 40.0, 2000.0, 1.0)[0])
    assert len(decisions) == 1, decisions
    assert max(estimates) / min(estimates) < 1.01, estimates  # the voiced frames' median: within 17 cents
    assert np.median(estimates) == pytest.approx(hz, rel=0.01)


def test_confidences_just_around_the_threshold_do_not_flip_the_decision(esc50: Any) -> None:
    y, rate = recording(esc50, "1-26806-A-1.flac")
    takes = retakes(y, rate)
    confidences = [estimate_pitch(t.mono(), rate, "yin", 40.0, 2000.0, 1.0)[1] for t in takes]
    threshold = float(np.median(confidences))  # the rooster's retakes fall on both sides of it
    assert min(confidences) < threshold <= max(confidences)
    node = Pitch("pitch", {"min_confidence": threshold})
    node.start()
    for take in takes:
        node.handle("take", take)
    decisions = [m.meta["pitched"] for _, m in node.context.emitted]
    assert len(set(decisions)) == 1, list(zip(confidences, decisions, strict=True))
    # the rooster: 0.52 one time, 0.41 the next, around the default 0.5: one decision, until one is clear
    steady = Pitch("pitch", {})
    assert [steady.decide(c) for c in (0.52, 0.41, 0.55, 0.45, 0.59, 0.49)] == [True] * 6
    assert [steady.decide(c) for c in (0.39, 0.45, 0.52, 0.59)] == [False] * 4
    assert [steady.decide(c) for c in (0.61, 0.41)] == [True] * 2
