"""Processing signal functions: the fast frame energy agrees with the plain cumulative-sum definition; short hits
survive trim and onset_split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.processing import OnsetSplit, Trim, frame_power, trim_bounds


def cumsum_frame_power(mono: np.ndarray, frame: int, hop: int, around_mean: bool = False) -> np.ndarray:
    """The definition: mean square of each frame starting every ``hop`` samples, last frames zero-padded
    (``around_mean``: the variance of the samples each frame holds)."""
    energy = np.concatenate(([0.0], np.cumsum(mono.astype(np.float64) ** 2)))
    starts = np.arange(0, max(len(mono), 1), hop)
    ends = np.minimum(starts + frame, len(mono))
    if not around_mean:
        return (energy[ends] - energy[starts]) / frame
    sums = np.concatenate(([0.0], np.cumsum(mono.astype(np.float64))))
    counts = np.maximum(ends - starts, 1)  # the samples the frame holds: no padding
    return (energy[ends] - energy[starts]) / counts - ((sums[ends] - sums[starts]) / counts) ** 2


@pytest.mark.parametrize("n", [480_000, 480_001, 479_999, 1000, 240, 241, 17])
@pytest.mark.parametrize(("frame", "hop"), [(960, 240), (2048, 512), (100, 30)])
@pytest.mark.parametrize("around_mean", [False, True])
def test_frame_power_matches_the_definition(n: int, frame: int, hop: int, around_mean: bool) -> None:
    x = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    x[: n // 3] *= 1e-4  # a quiet start: small values next to large sums
    x += np.float32(0.01 * around_mean)
    fast, plain = frame_power(x, frame, hop, around_mean), cumsum_frame_power(x, frame, hop, around_mean)
    assert fast.shape == plain.shape
    # around a mean, float32 block sums leave errors of about 1e-7 of the squared offset
    assert np.allclose(fast, plain, rtol=1e-5, atol=1e-12 + 1e-9 * around_mean)


def test_trim_bounds_on_a_ten_second_take() -> None:
    rate = 48000
    x = (np.random.default_rng(0).standard_normal(10 * rate) * 1e-5).astype(np.float32)
    x[2 * rate : 7 * rate] = (np.random.default_rng(1).standard_normal(5 * rate) * 0.3).astype(np.float32)
    start, end = trim_bounds(x, rate, 60.0)
    assert abs(start - 2 * rate) <= 960 and abs(end - 7 * rate) <= 960  # within a 20 ms frame


@pytest.mark.parametrize("offset", [1e-3, 0.05])
def test_trim_cuts_the_silence_of_a_take_with_a_dc_offset(offset: float) -> None:
    """A take whose recorder added a constant offset (here 60 and 20 dB below the hit's peak) is trimmed as
    the same take without: the offset's frames are silence, not sound."""
    rate = 48000
    t = np.arange(rate // 5) / rate
    hit = (np.sin(2 * np.pi * 200 * t) * np.exp(-t * 30)).astype(np.float32)
    take = np.concatenate([np.zeros(rate // 2, np.float32), hit, np.zeros(rate, np.float32)])
    clean = trim_bounds(take, rate, 60.0)
    assert abs(clean[0] - rate // 2) <= 960 and clean[1] < rate // 2 + len(hit) + 960
    offset_bounds = trim_bounds(take + np.float32(offset), rate, 60.0)
    assert abs(offset_bounds[0] - clean[0]) <= 240 and abs(offset_bounds[1] - clean[1]) <= 240


# -- short hits: a take of 30 ms or more is a sound, and trim and onset_split keep all of it ---------------------

RATE = 48000


def decaying_noise(seconds: float = 0.03, tau: float = 0.006, seed: int = 3) -> np.ndarray:
    """A closed hi-hat's kind of hit: noise with an exponential decay."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.random.default_rng(seed).standard_normal(len(t)) * np.exp(-t / tau)).astype(np.float32)


def click(seconds: float = 0.04) -> np.ndarray:
    """A tick: a 1 ms impulse and a 3 kHz ring that dies away."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = (0.4 * np.sin(2 * np.pi * 3000 * t) * np.exp(-t / 0.004)).astype(np.float32)
    x[:48] += 0.8 * np.hanning(48).astype(np.float32)
    return x


def decaying_tone(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-t / 0.3)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), np.float32)


def with_hit(hit: np.ndarray, before: list[np.ndarray], after: float = 0.3) -> tuple[np.ndarray, int, int]:
    """The hit after ``before``, then silence, with a noise floor 80 dB down; (signal, hit start, hit end)."""
    start = sum(len(b) for b in before)
    x = np.concatenate([*before, hit, silence(after)])
    x += (1e-5 * np.random.default_rng(4).standard_normal(len(x))).astype(np.float32)
    return x, start, start + len(hit)


HITS = {"30 ms decaying noise": decaying_noise(), "40 ms click": click()}
CONTEXTS = {
    "in silence": [silence(0.3)],
    "after a longer sound": [silence(0.2), decaying_tone(), silence(0.2)],
    "at the start": [],
}


def node_outputs(node_type: type[Trim] | type[OnsetSplit], take: Take, **params: Any) -> list[Take]:
    node = node_type("n", params)
    node.start()
    node.handle("take", take)
    assert node.context.errors == []
    return [message for _, message in node.context.emitted]


def piece_with(pieces: list[Take], start: int, end: int, offset: int = 0) -> Take:
    """The one piece that holds samples [start, end) of the take split, whole; ``offset``: where that take began."""
    def bounds(piece: Take) -> tuple[int, int]:
        first = round(piece.meta.get("onset_s", 0.0) * RATE) + offset
        return first, first + piece.frames

    holding = [p for p in pieces if bounds(p)[0] <= start and bounds(p)[1] >= end]
    assert len(holding) == 1, f"no piece holds the hit [{start}, {end}): {[bounds(p) for p in pieces]}"
    return holding[0]


@pytest.mark.parametrize("hit", list(HITS))
@pytest.mark.parametrize("context", list(CONTEXTS))
def test_trim_and_onset_split_keep_a_short_hit_whole(hit: str, context: str) -> None:
    signal, start, end = with_hit(HITS[hit], CONTEXTS[context])
    (trimmed,) = node_outputs(Trim, Take(signal, RATE, take_id="t"), top_db=60.0)
    trim_start = round(trimmed.meta["trim_start_s"] * RATE)
    assert trim_start <= start and trim_start + trimmed.frames >= end
    for take, offset in ((trimmed, trim_start), (Take(signal, RATE, take_id="t"), 0)):
        pieces = node_outputs(OnsetSplit, take)
        piece = piece_with(pieces, start, end, offset)
        assert piece.duration >= 0.03
        # the piece begins where the hit does (its attack is the sound), not 5-10 ms into it nor long before
        assert start - round(piece.meta["onset_s"] * RATE) - offset <= 0.002 * RATE


def test_onset_split_keeps_a_click_at_the_start_of_a_take() -> None:
    """The detector used to miss a hit at sample 0, and what came before the first onset was dropped."""
    signal = np.concatenate([click(), silence(0.1), decaying_tone()])
    pieces = node_outputs(OnsetSplit, Take(signal, RATE, take_id="t"))
    assert [round(p.meta["onset_s"], 3) for p in pieces][:1] == [0.0]
    assert 0.04 <= pieces[0].duration <= 0.15
    assert sum(p.frames for p in pieces) == len(signal)


def test_onset_split_keeps_a_sound_that_swells_in_before_the_first_onset() -> None:
    """A sound without a sharp onset (a 100 ms swell) before the first hit is no onset to librosa; kept."""
    tone = decaying_tone(0.6)
    tone[: int(0.1 * RATE)] *= np.linspace(0.0, 1.0, int(0.1 * RATE), dtype=np.float32)
    signal, start, end = with_hit(click(), [tone, silence(0.2)])
    pieces = node_outputs(OnsetSplit, Take(signal, RATE, take_id="t"))
    assert pieces[0].meta["onset_s"] == 0.0 and pieces[0].duration >= 0.5
    piece_with(pieces, start, end)


@pytest.mark.parametrize("lead", [0.0, 0.002, 0.3])
def test_trim_keeps_a_sharp_tick_at_least_30_ms_long(lead: float) -> None:
    """A tick whose sound dies in 10 ms (noise, 1 ms decay) was trimmed to 20-25 ms near the start of a take:
    under the classifier's 30 ms, so 'too short'. The quiet after it now fills the take to 30 ms."""
    tick = decaying_noise(0.04, tau=0.001)
    signal = np.concatenate([silence(lead), tick, silence(0.5)])
    start = int(lead * RATE)
    (out,) = node_outputs(Trim, Take(signal, RATE, take_id="t"), top_db=60.0)
    first = round(out.meta["trim_start_s"] * RATE)
    assert out.duration >= 0.03 and first <= start < start + int(0.005 * RATE) <= first + out.frames
    (short,) = node_outputs(Trim, Take(tick[: int(0.02 * RATE)], RATE, take_id="t"), top_db=60.0)
    assert short.frames == int(0.02 * RATE)  # a take shorter than 30 ms is kept whole, not padded
