"""Progress reports of data preparation and training (:class:`Progress`, passed to a callback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Progress", "ProgressCallback"]


@dataclass(frozen=True)
class Progress:
    """One progress report: ``stage`` is "features", "embed" (trunk maps), "init" (linear probe),
    "train", "evaluate" or "save" (the int8 trunk, the model file, its card);
    ``done`` out of ``total``."""

    stage: str
    done: int
    total: int
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]
