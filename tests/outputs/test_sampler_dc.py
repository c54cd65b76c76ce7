"""A take's DC offset is taken away as the sampler prepares it (prepare(), the node's thread): the buffer a
voice plays starts and ends at 0, since a voice starts on the take's first sample and is cut after its last,
and a step there is a click. The offset is the level the take rests at, a constant: a lopsided sound whose mean
is no offset (a kick) keeps its ends and its shape, and a take cut mid-sound is played as it is."""

from __future__ import annotations

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.nodes.sampler.prepare import prepare

RATE = 48000


def played(take: Take, rate: int = RATE) -> np.ndarray:
    """The samples a voice of the sampler reads for ``take``: its prepared buffer without the guard zeros."""
    buffer = prepare(take, rate)
    return np.asarray(buffer.data[: buffer.frames], np.float64)


def sine(freq: float, seconds: float, rate: int = RATE, amplitude: float = 0.5, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def square(freq: float, seconds: float, amplitude: float = 0.3, phase: float = 0.0) -> np.ndarray:
    return np.sign(sine(freq, seconds, amplitude=amplitude, phase=phase)) * np.float32(amplitude)


def kick(rate: int = RATE) -> np.ndarray:
    """20 ms of silence, then a decaying pulse, its positive half-waves three times its negative ones: a mean
    of its own (about 0.02 of a 0.77 peak) that is no offset; it ends at 0 after 0.6 s."""
    t = np.arange(int(0.6 * rate)) / rate - 0.02
    t0 = np.clip(t, 0.0, None)
    wave = np.sin(2 * np.pi * (50 * t0 + 70 * 0.03 * (1 - np.exp(-t0 / 0.03))))  # a pitch falling from 120 Hz
    shaped = np.where(wave > 0, wave, 0.3 * wave)
    return np.where(t >= 0, 0.8 * np.exp(-t0 / 0.06) * shaped, 0.0).astype(np.float32)


def test_a_take_resting_at_an_offset_plays_from_0_to_0_its_sound_unchanged() -> None:
    """A high-pass started at the first sample (6c5a419) also moved the sound itself, by 0.009 here."""
    rest = np.random.default_rng(7).normal(0.0, 1e-4, int(0.1 * RATE)).astype(np.float32)  # a noise floor
    sound = np.concatenate([rest, sine(220.0, 0.3, phase=1.0), rest[::-1]])
    for offset in (0.25, -0.1):
        y = played(Take(sound + np.float32(offset), RATE))
        assert abs(y[0] - sound[0]) < 1e-5 and abs(y[-1] - sound[-1]) < 1e-5, "it starts and ends at its rest"
        assert np.max(np.abs(y - sound)) < 1e-5, "the offset is gone, and nothing else"
    resampled = played(Take(sound + np.float32(0.25), RATE), 44100)
    assert abs(resampled[0]) < 1e-3 and abs(resampled[-1]) < 1e-3, "resampled: the resampler's own ripple"


def test_a_kick_keeps_its_silent_ends_at_0_and_its_shape() -> None:
    """Subtracting the take's mean (b8210f5) moved its silent pre-roll and tail to -0.019, a step at each end of
    every note; the high-pass (6c5a419) took up to 0.067 out of its body. Resting at an offset, it is the same
    kick once the offset is gone."""
    x = kick().astype(np.float64)
    assert np.mean(x) > 0.015 and x[0] == 0.0 and abs(x[-1]) < 1e-4
    for offset in (0.0, 0.05):
        y = played(Take((x + offset).astype(np.float32), RATE))
        assert np.max(np.abs(y[: int(0.02 * RATE)])) < 1e-5, "the pre-roll stays silent"
        assert abs(y[-1]) < 1e-4, "the tail ends at 0"
        assert np.max(np.abs(y - x)) < 1e-5, "its shape unchanged: the offset its rest is at is all that goes"


def test_a_take_cut_mid_sound_is_played_as_it_is() -> None:
    """A take that never rests has no offset to find: a high-pass started at its first sample (6c5a419) took
    that sample's value away, fading out over 80 ms (a thump at each note's start), and its mean (b8210f5) is
    a partial cycle's, no offset. A low tone's half-cycle, flat within a 10 ms frame, is no rest either."""
    takes = [square(110.0, 0.25), square(110.0, 0.25, phase=0.7), sine(220.0, 0.25, phase=1.3),
             square(37.0, 0.6, phase=0.4), sine(440.0, 0.013, phase=2.0)]
    for x in takes:
        np.testing.assert_array_equal(played(Take(x, RATE)), x)


def test_a_tone_that_never_rests_loses_an_offset_its_stretches_agree_on() -> None:
    sound = sine(200.0, 1.0)  # whole cycles: its frames' means are 0
    y = played(Take(sound + np.float32(0.25), RATE))
    assert np.max(np.abs(y - sound)) < 1e-5
    assert abs(y[0]) < 1e-5 and abs(y[-1]) < 0.02, "no step but the sine's own, 0.013"
    assert not played(Take(np.full(1000, 0.3, np.float32), RATE)).any(), "a constant is all offset"


def test_glitches_in_a_take_at_an_offset_become_silence_not_spikes() -> None:
    sound = sine(200.0, 0.5)
    dirty = sound + np.float32(0.3)
    glitches = [0, 100, 2000, 2001, 5000]
    dirty[glitches] = [np.nan, np.nan, np.inf, -np.inf, np.nan]
    y = played(Take(dirty, RATE))
    assert np.isfinite(y).all()
    assert (y[glitches] == 0.0).all()
    others = np.ones(y.size, bool)
    others[glitches] = False
    # the offset is the mean of the finite samples: the sine's values where the glitches are, 3e-5, are not in it
    assert np.max(np.abs(y[others] - sound[others])) < 1e-4, "the offset gone, and no spike around a glitch"
    rested = np.concatenate([np.zeros(4800, np.float32), kick()]) - np.float32(0.1)
    rested[[10, 6000]] = [np.inf, np.nan]
    y = played(Take(rested, RATE))
    assert y[10] == 0.0 and y[6000] == 0.0 and np.max(np.abs(y[:4800])) < 1e-5, "its rest at 0 around them"
    assert not played(Take(np.full(100, np.nan, np.float32), RATE)).any()
