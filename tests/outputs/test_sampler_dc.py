"""A take's DC offset is taken away as the sampler prepares it (prepare(), the node's thread): the buffer a
voice plays starts and ends at 0, since a voice starts on the take's first sample and is cut after its last,
and a step there is a click. A lopsided sound whose mean is no offset (a kick) keeps its ends and its shape."""

from __future__ import annotations

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.nodes.sampler.prepare import prepare

RATE = 48000


def played(take: Take, rate: int = RATE) -> np.ndarray:
    """The samples a voice of the sampler reads for ``take``: its prepared buffer without the guard zeros."""
    buffer = prepare(take, rate)
    return np.asarray(buffer.data[: buffer.frames], np.float64)


def sine(freq: float, seconds: float, rate: int = RATE, amplitude: float = 0.5) -> np.ndarray:
    return (amplitude * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def kick(rate: int = RATE) -> np.ndarray:
    """20 ms of silence, then a decaying pulse, its positive half-waves three times its negative ones: a mean
    of its own (about 0.02 of a 0.77 peak) that is no offset; it ends at 0 after 0.6 s."""
    t = np.arange(int(0.6 * rate)) / rate - 0.02
    t0 = np.clip(t, 0.0, None)
    wave = np.sin(2 * np.pi * (50 * t0 + 70 * 0.03 * (1 - np.exp(-t0 / 0.03))))  # a pitch falling from 120 Hz
    shaped = np.where(wave > 0, wave, 0.3 * wave)
    return np.where(t >= 0, 0.8 * np.exp(-t0 / 0.06) * shaped, 0.0).astype(np.float32)


def test_a_take_resting_at_an_offset_plays_from_0_and_ends_near_0() -> None:
    sound = sine(200.0, 1.0)  # whole cycles: it starts and ends at 0 of its own
    for rate in (RATE, 44100):  # at the stream's rate, and resampled to it
        y = played(Take(sound + np.float32(0.25), RATE), rate)
        assert abs(y[0]) < 1e-3, "no step into the first sample (resampled: the resampler's own ripple)"
        assert abs(y[-1]) < 0.02, "nor out of the last: the sine's own step is 0.013"
        without = played(Take(sound, RATE), rate)
        assert np.max(np.abs(y - without)) < 1e-4, "the offset is gone from the first sample on, no transient"
    assert np.max(np.abs(played(Take(sound + np.float32(0.25), RATE)) - sound)) < 0.02, "the sine itself kept"


def test_a_kick_keeps_its_ends_at_0_and_its_shape() -> None:
    """Subtracting the take's mean moved its silent pre-roll and tail to -0.02: a step at each end of every
    note, the click the offset's removal is there to prevent."""
    x = kick().astype(np.float64)
    assert np.mean(x) > 0.015 and x[0] == 0.0 and abs(x[-1]) < 1e-4
    y = played(Take(x.astype(np.float32), RATE))
    assert np.max(np.abs(y[: int(0.02 * RATE)])) < 1e-6, "the pre-roll stays silent"
    assert abs(y[-1]) < 1e-3, "the tail ends at 0"
    own_step = np.max(np.abs(np.diff(np.concatenate([[0.0], x, [0.0]]))))
    note_step = np.max(np.abs(np.diff(np.concatenate([[0.0], y, [0.0]]))))
    assert note_step <= own_step + 1e-4, "played from silence to silence, no step bigger than the kick's own"
    change = y - x
    assert np.max(np.abs(change)) < 0.1 * np.max(np.abs(x)), "its shape nearly unchanged"
    assert np.max(np.abs(np.diff(change))) < 1e-3, "what is taken away is slow: no step, nothing audible"


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
    # the filter rests at the first finite sample, one step into the sine: off by that step, 0.013, not 0.3
    assert np.max(np.abs(y[others] - sound[others])) < 0.05, "the offset gone, and no spike around a glitch"
    assert not played(Take(np.full(100, np.nan, np.float32), RATE)).any()
