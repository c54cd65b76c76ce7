"""A classifier's first inferences, made at start-up on noise like a show's takes rather than on the show's first
take: torch initialises its kernels and the front end its filters on the first, and TorchScript optimises each graph
in its second run at an input size."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .classifier import Classifier

__all__ = ["WARM_UP_RATE", "WARM_UP_RUNS", "WARM_UP_SECONDS", "warm_up", "warm_up_take"]

WARM_UP_SECONDS, WARM_UP_RATE = 10, 48000  # the first inferences' take: like those of a show
WARM_UP_RUNS = 2  # TorchScript profiles a graph's first run at an input size and optimises it in the second


def warm_up_take() -> np.ndarray:
    """Noise like a show's takes (10 s at 48 kHz) for a classifier's first inferences.

    The first inference initialises torch's kernels (over a second) and the front end's filters, and the first
    of each size of input sizes its buffers: better done at start-up than on the first take.
    """
    return np.random.default_rng(0).standard_normal(WARM_UP_SECONDS * WARM_UP_RATE).astype(np.float32) * 0.1


def warm_up(classifier: Classifier, options: dict[str, Any]) -> None:
    """Score :func:`warm_up_take` :data:`WARM_UP_RUNS` times with ``classifier`` and its ``predict`` options
    (``options``): with one run, a show's first take of the common size (every take as long as the analysed span or
    longer) paid for TorchScript's optimising of the graphs."""
    take = warm_up_take()
    for _ in range(WARM_UP_RUNS):
        classifier.predict(take, WARM_UP_RATE, **options)
