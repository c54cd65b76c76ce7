"""What a head reads beside the trunk's pooled features, for :func:`.fitting.fit` (YAMNet's: :mod:`.take_yamnet`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["Beside", "Rows"]

Rows = Callable[[int, "tuple[int, int] | None"], torch.Tensor]
"""Input ``i``'s features beside the trunk's, of its whole span (None) or of the trunk steps ``[a, b)`` of it."""


@dataclass(frozen=True)
class Beside:
    """Features the head reads beside the trunk's pooled ones, as the classifier gives them (YAMNet's, scaled):
    ``train`` and ``val`` give them of the training and validation inputs (crops too); their standardisation undoes
    ``scale``, so that it weighs them against the trunk's under the head's L2 penalty (train_sounds' recipe)."""

    train: Rows
    val: Rows
    scale: float

    def scales(self, trunk_columns: int, columns: int) -> torch.Tensor:
        """What each of ``columns`` (the trunk's ``trunk_columns``, then these) was multiplied by."""
        out = torch.ones(columns)
        out[trunk_columns:] = self.scale
        return out
