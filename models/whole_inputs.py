"""Whole inputs through the network as the classifier computes them: each take at its own length.

The classifier scores a take alone, padded only to one trunk step; its pooled features pool over the take's own
steps. Validation batched takes padded to the longest of each batch, so that a 0.5 s take beside a 10 s one was
pooled over 9.5 s of silence too (its trunk features 126% away from the classifier's): takes are batched here only
with takes of the same length. Also the inputs of int8 calibration (:func:`calibration_specs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from .features import compress
from .network import STEP_FRAMES, SoundNet

__all__ = ["calibration_indices", "calibration_specs", "pad_frames", "pooled_features", "predict_logits"]


def pad_frames(p: np.ndarray, n: int) -> np.ndarray:
    """``p`` with silent frames after it up to ``n`` frames (as it is when it has as many)."""
    if p.shape[0] >= n:
        return p
    return np.concatenate([p, np.zeros((n - p.shape[0], p.shape[1]), p.dtype)])


def _equal_batches(powers: Sequence[np.ndarray], batch_size: int,
                   min_frames: int) -> Iterator[tuple[list[int], torch.Tensor]]:
    """Batches of at most ``batch_size`` inputs of one length each (each padded to ``min_frames`` alone, as the
    classifier pads a take), compressed: the indices and the ``(B, frames, bands)`` tensor."""
    by_length: dict[int, list[int]] = {}
    for i, p in enumerate(powers):
        by_length.setdefault(max(p.shape[0], min_frames), []).append(i)
    for n, same in sorted(by_length.items()):
        for start in range(0, len(same), batch_size):
            chunk = same[start : start + batch_size]
            yield chunk, torch.from_numpy(np.stack([compress(pad_frames(powers[i], n)) for i in chunk]))


@torch.inference_mode()
def predict_logits(model: SoundNet, powers: Sequence[np.ndarray], batch_size: int = 16) -> np.ndarray:
    """Whole-input logits ``(n, classes)`` for mel-power arrays, each at its own length."""
    model.eval()
    out = np.zeros((len(powers), model.n_classes), np.float32)
    for chunk, x in _equal_batches(powers, batch_size, model.min_frames()):
        out[chunk] = model(x).numpy()
    return out


@torch.no_grad()
def pooled_features(model: SoundNet, powers: Sequence[np.ndarray], batch_size: int = 16) -> torch.Tensor:
    """Pooled trunk features ``(n, feature_dim)`` of whole inputs, each at its own length (eval mode)."""
    model.eval()
    out = torch.zeros(len(powers), model.feature_dim)
    for chunk, x in _equal_batches(powers, batch_size, model.min_frames()):
        seq3, seq4 = model.sequence(x)
        out[chunk] = model.pool(seq3, seq4)
    return out


def calibration_indices(count: int, n: int = 64, seed: int = 0) -> np.ndarray:
    """Which ``n`` of ``count`` inputs :func:`calibration_specs` takes, in the order it takes them."""
    return np.random.default_rng(seed).permutation(count)[:n]


def calibration_specs(powers: Sequence[np.ndarray], n: int = 64, seed: int = 0) -> list[torch.Tensor]:
    """Up to ``n`` whole inputs as ``(1, frames, bands)`` log-mel tensors, for :func:`calibrate_int8`."""
    idx = calibration_indices(len(powers), n, seed)
    return [torch.from_numpy(compress(pad_frames(powers[i], STEP_FRAMES))).unsqueeze(0) for i in idx]
