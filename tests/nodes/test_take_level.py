"""take_level: the peak the recorder, the folder source, trim and normalize say of a take, non-finite samples left
out. It reads the take without making arrays of its size; these pin what it says against the plain definition."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.take_level import take_level


def _plain_peak(samples: np.ndarray) -> float:
    magnitudes = np.abs(samples.astype(np.float32))
    finite = magnitudes[np.isfinite(magnitudes)]
    return round(min(1.0, float(finite.max())) if finite.size else 0.0, 3)


def test_the_peak_of_a_take_whose_loudest_sample_is_negative() -> None:
    samples = np.array([0.1, -0.62, 0.3, -0.2], np.float32)
    assert take_level(Take(samples, 48000)) == 0.62
    assert take_level(Take(-np.abs(samples), 48000)) == 0.62  # no positive sample at all


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_samples_are_left_out(bad: float) -> None:
    samples = np.array([0.2, bad, -0.45, 0.1], np.float32)
    assert take_level(Take(samples, 48000)) == 0.45


def test_a_take_of_non_finite_samples_only_says_zero() -> None:
    assert take_level(Take(np.array([math.nan, math.inf], np.float32), 48000)) == 0.0


def test_silence_says_zero_not_minus_zero() -> None:
    level = take_level(Take(np.full(100, -0.0, np.float32), 48000))
    assert level == 0.0 and math.copysign(1.0, level) == 1.0


def test_louder_than_full_scale_says_one_and_an_empty_take_zero() -> None:
    assert take_level(Take(np.array([0.5, -1.7], np.float32), 48000)) == 1.0
    assert take_level(Take(np.zeros((0, 1), np.float32), 48000)) == 0.0


def test_agrees_with_the_plain_definition_on_stereo_takes_with_damaged_samples() -> None:
    rng = np.random.default_rng(3)
    for round_ in range(20):
        samples = (rng.standard_normal((4800, 2)) * rng.uniform(0.01, 0.6)).astype(np.float32)
        if round_ % 2:
            samples[rng.integers(0, 4800, 3), rng.integers(0, 2, 3)] = [math.nan, math.inf, -math.inf]
        assert take_level(Take(samples, 48000)) == _plain_peak(samples)
