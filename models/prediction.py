"""What the classifier answers for a take: :class:`Prediction` and its :class:`WindowScore` list.

Kept apart from :mod:`.classifier` (which imports torch) so that a process that only receives predictions,
such as the patch's when the classifier runs in a process of its own (:mod:`.process`), never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

__all__ = ["Packed", "Prediction", "WindowScore", "packed", "unpacked"]


@dataclass(frozen=True)
class WindowScore:
    """One scored window: its span in the take (seconds), its best label, and whether it was pooled."""

    start: float
    end: float
    label: str
    probability: float
    active: bool


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer for one take.

    ``top`` holds up to ``top_k`` ``(label, probability)`` pairs, best first; it is empty, and ``reason``
    says why, when there was nothing to classify (silent or too short take). ``windows`` and
    ``window_probabilities`` (``(n_windows, n_classes)``, columns in ``labels`` order) give every
    window's scores; ``probabilities`` is the pooled distribution. ``duration`` is the whole take's;
    ``span`` is the part that was analysed (seconds into the take: all of it unless ``max_seconds`` was
    given), and window spans are in take time too.
    """

    top: list[tuple[str, float]]
    labels: tuple[str, ...]
    probabilities: np.ndarray | None = None
    windows: list[WindowScore] = field(default_factory=list)
    window_probabilities: np.ndarray | None = None
    reason: str | None = None
    duration: float = 0.0
    window: str = "whole"
    pooling: str = "mean"
    seconds: float = 0.0
    span: tuple[float, float] = (0.0, 0.0)

    @property
    def nothing_to_classify(self) -> bool:
        """True when the take was silent or too short (see ``reason``)."""
        return not self.top

    @property
    def label(self) -> str | None:
        """The best label, or None when there was nothing to classify."""
        return self.top[0][0] if self.top else None

    @property
    def probability(self) -> float:
        """The best label's probability (0.0 when there was nothing to classify)."""
        return self.top[0][1] if self.top else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: ``{"top": [{"label", "probability"}...]}`` plus ``"reason"`` when empty."""
        out: dict[str, Any] = {"top": [{"label": lab, "probability": round(p, 6)} for lab, p in self.top]}
        if self.reason is not None:
            out["reason"] = self.reason
        return out


#: A :class:`Prediction` as plain values for another process: see :func:`packed`.
Packed: TypeAlias = tuple[Any, ...]


def packed(prediction: Prediction) -> Packed:
    """``prediction`` as the classifier's process sends it: without its ``labels``, which the receiver has (the
    model's, told once as it loaded), its arrays as raw bytes and its windows as tuples.

    Why: pickled whole, each answer carried the model's label names again, and numpy's and the dataclasses' own
    pickling cost more than the values, on the way of every take to its slot. :func:`unpacked` makes it whole."""
    return (prediction.top, _array_bytes(prediction.probabilities),
            [(w.start, w.end, w.label, w.probability, w.active) for w in prediction.windows],
            _array_bytes(prediction.window_probabilities), prediction.reason, prediction.duration, prediction.window,
            prediction.pooling, prediction.seconds, prediction.span)


def unpacked(values: Packed, labels: tuple[str, ...]) -> Prediction:
    """The :class:`Prediction` :func:`packed` made ``values`` of, with the model's ``labels``."""
    top, probabilities, windows, window_probabilities, reason, duration, window, pooling, seconds, span = values
    return Prediction(top=top, labels=labels, probabilities=_array(probabilities),
                      windows=[WindowScore(*score) for score in windows],
                      window_probabilities=_array(window_probabilities), reason=reason, duration=duration,
                      window=window, pooling=pooling, seconds=seconds, span=span)


def _array_bytes(array: np.ndarray | None) -> tuple[str, tuple[int, ...], bytes] | None:
    return None if array is None else (array.dtype.str, array.shape, array.tobytes())


def _array(packed_array: tuple[str, tuple[int, ...], bytes] | None) -> np.ndarray | None:
    if packed_array is None:
        return None
    dtype, shape, data = packed_array
    return np.frombuffer(data, np.dtype(dtype)).reshape(shape).copy()  # writable, as the classifier's own are
