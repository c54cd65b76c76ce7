"""The spread the sampler measures each frame of a take by, to find where it rests (its DC offset), is computed from
sums of squares rather than by np.std: these pin it to np.std's, and a constant take to resting at its constant."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.nodes.sampler.prepare import _frame_stats, _frames, resting_level, without_offset

RATE = 48000
FRAME = 480  # REST_FRAME_SECONDS at 48 kHz


@pytest.mark.parametrize("offset", [0.0, 0.02, -0.4])
def test_each_frames_spread_is_its_standard_deviation(offset: float) -> None:
    rng = np.random.default_rng(5)
    decay = np.exp(-np.arange(RATE) / 4000.0)
    take = (offset + rng.standard_normal(RATE) * 0.3 * decay + rng.standard_normal(RATE) * 1e-5).astype(np.float32)
    means, spreads = _frame_stats(take, None, FRAME)
    rows = _frames(take, FRAME)
    np.testing.assert_array_equal(means, rows.mean(axis=1, dtype=np.float64))
    # the quietest frames' spread (1e-5 of noise at the offset) to within a part in ten thousand of its size
    np.testing.assert_allclose(spreads, rows.std(axis=1, dtype=np.float64), rtol=1e-4, atol=0.0)


@pytest.mark.parametrize("value", [0.25, -0.013, 0.0])
def test_a_constant_take_rests_at_its_value_and_plays_silence(value: float) -> None:
    take = np.full(RATE // 2 + 17, value, np.float32)
    _, spreads = _frame_stats(take, None, FRAME)
    assert np.all(spreads <= 1e-9)
    assert np.float32(resting_level(take, None, RATE)) == np.float32(value)
    assert not np.any(without_offset(take, RATE))
