"""Processing signal functions: the fast frame energy agrees with the plain cumulative-sum definition."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.nodes.processing import frame_power, trim_bounds


def cumsum_frame_power(mono: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """The definition: mean square of each frame starting every ``hop`` samples, last frames zero-padded."""
    energy = np.concatenate(([0.0], np.cumsum(mono.astype(np.float64) ** 2)))
    starts = np.arange(0, max(len(mono), 1), hop)
    ends = np.minimum(starts + frame, len(mono))
    return (energy[ends] - energy[starts]) / frame


@pytest.mark.parametrize("n", [480_000, 480_001, 479_999, 1000, 240, 241, 17])
@pytest.mark.parametrize(("frame", "hop"), [(960, 240), (2048, 512), (100, 30)])
def test_frame_power_matches_the_definition(n: int, frame: int, hop: int) -> None:
    x = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    x[: n // 3] *= 1e-4  # a quiet start: small values next to large sums
    fast, plain = frame_power(x, frame, hop), cumsum_frame_power(x, frame, hop)
    assert fast.shape == plain.shape
    assert np.allclose(fast, plain, rtol=1e-5, atol=1e-12)


def test_trim_bounds_on_a_ten_second_take() -> None:
    rate = 48000
    x = (np.random.default_rng(0).standard_normal(10 * rate) * 1e-5).astype(np.float32)
    x[2 * rate : 7 * rate] = (np.random.default_rng(1).standard_normal(5 * rate) * 0.3).astype(np.float32)
    start, end = trim_bounds(x, rate, 60.0)
    assert abs(start - 2 * rate) <= 960 and abs(end - 7 * rate) <= 960  # within a 20 ms frame
