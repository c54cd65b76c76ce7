"""YAMNet's features of a composer's takes, for `exsampling train` on a base model that carries YAMNet.

The head then reads ``[aiSFX pooled | scale * YAMNet]`` as the base's did (models/MODEL_CARD.md, "A model file with
YAMNet"), so each take's YAMNet features are computed as the classifier computes them at inference
(:func:`.yamnet.head_features` of the span it analyses, at the base's scale) of the very audio the trunk's features
of that take are computed from (:func:`.datasets.analysed_span`), and each crop's of the crop's own part of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .datasets import Example, analysed_span
from .features import CLASSIFIED_SECONDS, hop_length
from .head_inputs import Beside
from .model_file import YamnetBlock
from .network import STEP_FRAMES
from .progress import Progress, ProgressCallback
from .yamnet import FEATURES, head_features
from .yamnet_int8 import runnable_yamnet

__all__ = ["TakeYamnet", "yamnet_beside"]


class TakeYamnet:
    """The YAMNet part of the head's input of each of ``examples`` (:data:`.head_inputs.Rows`): of the whole
    analysed span, or of the trunk steps ``[a, b)`` of it (a crop). Rows are asked take by take, whole first and
    then its crops (:func:`.fitting.augmented_features`' order), so that each file is read once."""

    def __init__(self, model: nn.Module, scale: float, examples: Sequence[Example], stage: str,
                 progress: ProgressCallback | None = None, max_seconds: float | None = CLASSIFIED_SECONDS,
                 features: str = FEATURES) -> None:
        self._model, self._scale, self._features = model, scale, features
        self._paths: list[Path] = [e.path for e in examples]
        self._stage, self._progress, self._max_seconds = stage, progress, max_seconds
        self._read: tuple[int, np.ndarray, int] | None = None  # the last take read: its index, span and rate

    def _span(self, i: int) -> tuple[np.ndarray, int]:
        if self._read is None or self._read[0] != i:
            span, rate = analysed_span(self._paths[i], self._max_seconds)
            self._read = (i, span, rate)
            if self._progress is not None:  # YAMNet takes longer than the trunk: a bar, not a silent wait
                self._progress(Progress(self._stage, i + 1, len(self._paths),
                                        f"YAMNet features {i + 1}/{len(self._paths)}: {self._paths[i].name}"))
        return self._read[1], self._read[2]

    def __call__(self, i: int, steps: tuple[int, int] | None) -> torch.Tensor:
        span, rate = self._span(i)
        if steps is not None:  # the trunk's step s starts at frame s * STEP_FRAMES, centred on its sample s * hop
            per_step = STEP_FRAMES * hop_length(rate)
            span = span[steps[0] * per_step : steps[1] * per_step]
        return torch.from_numpy(head_features(self._model, span, rate, self._scale, self._features))


def yamnet_beside(block: YamnetBlock, train: Sequence[Example], val: Sequence[Example],
                  progress: ProgressCallback | None = None) -> Beside:
    """What :func:`.fitting.fit` needs to fit a head on the trunk's and ``block``'s YAMNet features of the takes
    ``train`` (validated on ``val``): the network built as the classifier builds it from the same block."""
    model, _ = runnable_yamnet(block.state_dict, block.int8)
    return Beside(TakeYamnet(model, block.scale, train, "yamnet", progress, features=block.features),
                  TakeYamnet(model, block.scale, val, "yamnet validation", progress, features=block.features),
                  block.scale)
