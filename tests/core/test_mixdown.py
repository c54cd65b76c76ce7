"""Mixing a take down to one channel: channels in opposite phase keep their sound; any other take mixes as before."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.editor.live import envelope
from exsampling_patch.messages import Take
from exsampling_patch.models.features import to_mono
from exsampling_patch.nodes.processing import Trim

RATE = 16000


def _opposed() -> tuple[np.ndarray, np.ndarray]:
    """A miswired microphone: a tone between silences, one channel nearly the other's negative, plus hiss."""
    rng = np.random.default_rng(3)
    t = np.arange(RATE // 2) / RATE
    sound = np.concatenate([np.zeros(RATE // 2), 0.5 * np.sin(2 * np.pi * 440.0 * t), np.zeros(RATE // 2)])
    left = sound + 1e-5 * rng.standard_normal(sound.size)
    right = -0.97 * sound + 1e-5 * rng.standard_normal(sound.size)
    return np.stack([left, right], axis=1).astype(np.float32), left.astype(np.float32)


def test_channels_in_opposite_phase_give_the_louder_channel_everywhere() -> None:
    stereo, left = _opposed()
    assert np.abs(stereo.mean(axis=1)).max() < 0.01, "the plain mean is near silence"
    np.testing.assert_array_equal(to_mono(stereo), left)
    take = Take(stereo, RATE, take_id="miswired")
    np.testing.assert_array_equal(take.mono(), left)
    swapped = Take(stereo[:, ::-1].copy(), RATE)
    np.testing.assert_array_equal(swapped.mono(), left, "the louder channel, wherever it is")


def test_the_editor_draws_a_take_in_opposite_phase_as_its_louder_channel() -> None:
    stereo, left = _opposed()
    xs, peaks = envelope(stereo, 100)
    assert (xs, peaks) == envelope(left, 100), "drawn as mixed down everywhere else, not as silence"
    assert max(peaks) > 0.45
    ordinary = np.stack([left, 0.5 * left], axis=1)
    assert envelope(ordinary, 100) == envelope(ordinary.mean(axis=1, dtype=np.float32), 100)


def test_a_take_in_opposite_phase_is_trimmed_to_its_sound_not_away() -> None:
    stereo, _ = _opposed()
    node = Trim("trim", {"top_db": 40.0, "reference": "full_scale"})
    node.start()
    node.handle("take", Take(stereo, RATE, take_id="miswired"))
    assert node.context.errors == []
    (out,) = [m for _, m in node.context.emitted]
    assert 0.5 <= out.duration <= 0.55 and 0.47 <= out.meta["trim_start_s"] <= 0.5


@pytest.mark.parametrize("kind", ["uncorrelated", "correlated", "hard_panned", "partly_opposed", "quiet"])
def test_ordinary_stereo_mixes_bit_for_bit_as_before(kind: str) -> None:
    """The shipped classifier's training features were computed on these means: not one bit may move."""
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((2, 48000)).astype(np.float32)
    right = {"uncorrelated": b, "correlated": 0.6 * a + 0.1 * b, "hard_panned": np.zeros_like(a),
             "partly_opposed": -0.5 * a + 0.2 * b, "quiet": 1e-4 * b}[kind]
    stereo = np.stack([a, right], axis=1).astype(np.float32)
    np.testing.assert_array_equal(to_mono(stereo), stereo @ np.full(2, 0.5, np.float32))
    np.testing.assert_array_equal(Take(stereo, RATE).mono(), stereo.mean(axis=1, dtype=np.float32))
    pcm = (stereo * 8000).astype(np.int16)
    np.testing.assert_array_equal(to_mono(pcm), (pcm.astype(np.float32) / 32768.0) @ np.full(2, 0.5, np.float32))


def test_mono_and_silent_takes_are_as_they_were() -> None:
    y = np.random.default_rng(2).standard_normal(1000).astype(np.float32)
    np.testing.assert_array_equal(to_mono(y), y)
    np.testing.assert_array_equal(Take(y, RATE).mono(), y)
    np.testing.assert_array_equal(to_mono(np.zeros((100, 2), np.float32)), np.zeros(100, np.float32))
    nan = np.stack([y, -y], axis=1)
    nan[5, 0] = np.nan
    assert np.isnan(to_mono(nan)[5]) and to_mono(nan)[6] == 0.0, "unchecked: the mean, NaN and all"


def test_samples_of_no_channel_are_told_as_such_where_a_take_is_made_and_at_a_mix_down() -> None:
    """Before, a (frames, 0) array made a take, whose first mix-down (trim, pitch, the sampler) raised
    ZeroDivisionError."""
    with pytest.raises(ValueError, match=r"no channel, got shape \(480, 0\)"):
        Take(np.zeros((480, 0), np.float32), RATE)
    take = Take(np.zeros((480, 2), np.float32), RATE)
    with pytest.raises(ValueError, match="no channel"):
        take.derive(take.samples[:, :0])
    with pytest.raises(ValueError, match=r"at least one channel, got shape \(480, 0\)"):
        to_mono(np.zeros((480, 0), np.float32))
