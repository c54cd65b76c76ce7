"""The training loop: fit a classifier's head (or the whole network) on mel-power arrays.

See :func:`fit` and :class:`TrainConfig`. Whole inputs' features and logits, and the inputs of int8 calibration, are
computed in :mod:`.whole_inputs` (re-exported here).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .datasets import DataError
from .features import compress, frame_rate
from .head_inputs import Beside, Rows
from .network import STEP_FRAMES, SoundNet
from .progress import Progress, ProgressCallback
from .whole_inputs import calibration_indices, calibration_specs, pad_frames, pooled_features, predict_logits

__all__ = [
    "Beside",
    "TrainConfig",
    "TrainReport",
    "augmented_features",
    "calibration_indices",
    "calibration_specs",
    "confusion_matrix",
    "crop_steps",
    "fit",
    "init_head",
    "pooled_features",
    "predict_logits",
    "trunk_maps",
    "trunk_steps",
]


@dataclass
class TrainConfig:
    """Hyper-parameters of :func:`fit`. The defaults built the shipped model (from the aiSFX trunk).

    With ``freeze_trunk`` (the default) only the linear head is trained: the trunk maps of every example
    are computed once, and the head is fitted by L2-regularised softmax regression (strength ``head_c``,
    as scikit-learn's ``C``) on the pooled features of whole examples plus ``crops_per_example``
    energy-weighted crops of ``crop_seconds`` each (so that short takes and 1 s windows score well).
    ``epochs``, learning rates, mixup and masks apply to the trunk fine-tuning path (``freeze_trunk=False``).
    """

    epochs: int = 10
    batch_size: int = 32
    lr_trunk: float = 1e-4
    lr_head: float = 5e-4
    weight_decay: float = 1e-3
    mixup_alpha: float = 0.4
    crop_probability: float = 0.5
    crop_seconds: tuple[float, float] = (1.0, 2.5)
    gain_db: float = 10.0
    freq_masks: int = 2
    freq_mask_width: int = 8
    time_masks: int = 2
    time_mask_fraction: float = 0.1
    freeze_trunk: bool = True
    freeze_batch_norm: bool = True
    init_head: bool = True
    head_c: float = 0.01
    head_iterations: int = 300
    crops_per_example: int = 4
    label_smoothing: float = 0.0
    seed: int = 0
    threads: int = 2


@dataclass
class TrainReport:
    """What :func:`fit` or :func:`train_folder` measured."""

    labels: list[str]
    val_accuracy: float | None
    confusion: np.ndarray | None
    history: list[dict[str, float]]
    seconds: float
    n_train: int
    n_val: int
    model_path: Path | None = None
    card_path: Path | None = None


def _crop(power: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """A ``length``-frame crop, its centre drawn in proportion to frame energy (avoids silent crops)."""
    n = power.shape[0]
    if n <= length:
        out = np.zeros((length, power.shape[1]), np.float32)
        off = int(rng.integers(0, length - n + 1))
        out[off : off + n] = power
        return out
    energy = power.sum(axis=1).astype(np.float64) ** 0.5 + 1e-12
    centre = int(rng.choice(n, p=energy / energy.sum()))
    start = int(np.clip(centre - length // 2 + rng.integers(-length // 4, length // 4 + 1), 0, n - length))
    return power[start : start + length]


def _batch(
    powers: Sequence[np.ndarray], idx: np.ndarray, length: int, cfg: TrainConfig, rng: np.random.Generator,
    whole: bool,
) -> torch.Tensor:
    specs = []
    for i in idx:
        p = powers[i]
        if whole:
            if p.shape[0] >= length:
                p = p[:length] if p.shape[0] == length else _crop(p, length, rng)
            else:
                p = _crop(p, length, rng)
            p = np.roll(p, int(rng.integers(0, length)), axis=0) if rng.random() < 0.5 else p
        else:
            p = _crop(p, length, rng)
        gain = 10.0 ** (rng.uniform(-cfg.gain_db, cfg.gain_db) / 10.0)
        s = compress(p, gain)
        s = s.copy()
        for _ in range(cfg.freq_masks):
            w = int(rng.integers(0, cfg.freq_mask_width + 1))
            f0 = int(rng.integers(0, max(1, s.shape[1] - w)))
            s[:, f0 : f0 + w] = 0.0
        for _ in range(cfg.time_masks):
            w = int(rng.integers(0, int(cfg.time_mask_fraction * length) + 1))
            t0 = int(rng.integers(0, max(1, length - w)))
            s[t0 : t0 + w] = 0.0
        specs.append(s)
    return torch.from_numpy(np.stack(specs))


@torch.inference_mode()
def _val_logits(model: SoundNet, powers: Sequence[np.ndarray], beside: Beside | None) -> np.ndarray:
    """:func:`predict_logits`, the head reading ``beside``'s features of each whole input too where given."""
    if beside is None:
        return predict_logits(model, powers)
    rows = torch.stack([beside.val(i, None).reshape(-1) for i in range(len(powers))])
    return model.head(torch.cat([pooled_features(model, powers), rows], dim=1)).numpy()


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, n)`` counts; row = true class, column = predicted class."""
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (truth, predicted), 1)
    return cm


def _softmax_regression(
    feats: torch.Tensor, targets: torch.Tensor, n_classes: int, c: float, n_ref: int, iterations: int,
    progress: ProgressCallback | None = None, stage: str = "init", scales: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """L2-regularised softmax regression on standardised features; returns (weight, bias) for the raw
    features, and the last iteration's loss. The penalty is ``||W||^2 / (2 c n_ref)`` on the standardised scale.
    ``scales``: what each column was multiplied by, kept through the standardisation (train_sounds' recipe)."""
    spread = feats.std(0) if scales is None else torch.where(scales > 0, feats.std(0) / scales, feats.std(0))
    mu, sigma = feats.mean(0), spread + 1e-4
    z = (feats - mu) / sigma
    lin = torch.nn.Linear(z.shape[1], n_classes)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    opt = torch.optim.Adam(lin.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    loss = torch.tensor(float("nan"))
    with torch.enable_grad():
        for it in range(iterations):
            loss = F.cross_entropy(lin(z), targets) + lin.weight.pow(2).sum() / (2 * c * n_ref)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if progress is not None and ((it + 1) % 10 == 0 or it + 1 == iterations):
                progress(Progress(stage, it + 1, iterations, f"head loss {float(loss.detach()):.3f}",
                                  {"loss": float(loss.detach())}))
    with torch.no_grad():
        weight = lin.weight / sigma
        bias = lin.bias - (lin.weight * (mu / sigma)).sum(1)
    return weight.detach(), bias.detach(), float(loss.detach())


def init_head(
    model: SoundNet, powers: Sequence[np.ndarray], targets: np.ndarray, c: float = 0.01,
    iterations: int = 300, progress: ProgressCallback | None = None,
) -> None:
    """Fit the head as a linear probe on the frozen trunk's pooled features of whole inputs.

    Fine-tuning then starts from a head that already fits the trunk, which keeps the first epochs from
    wrecking the pretrained features.
    """
    feats = pooled_features(model, powers)
    y = torch.from_numpy(np.asarray(targets))
    w, b, _loss = _softmax_regression(feats, y, model.n_classes, c, len(y), iterations, progress)
    with torch.no_grad():
        model.head.fc.weight.copy_(w)
        model.head.fc.bias.copy_(b)


@torch.no_grad()
def trunk_maps(
    model: SoundNet, powers: Sequence[np.ndarray], progress: ProgressCallback | None = None
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Block-3 and block-4 maps (float16, batch axis dropped) of every input, trunk in eval mode."""
    model.eval()
    out = []
    for i, p in enumerate(powers):
        x = torch.from_numpy(compress(pad_frames(p, model.min_frames()))).unsqueeze(0)
        m3, m4 = model.sequence(x)
        out.append((m3[0].half(), m4[0].half()))
        if progress is not None:
            progress(Progress("embed", i + 1, len(powers), f"trunk features {i + 1}/{len(powers)}"))
    return out


def _step_energy(power: np.ndarray, n_steps: int) -> np.ndarray:
    e = power.sum(axis=1).astype(np.float64)
    e = np.pad(e, (0, max(0, n_steps * STEP_FRAMES - e.size)))[: n_steps * STEP_FRAMES]
    return e.reshape(n_steps, STEP_FRAMES).sum(axis=1)


def augmented_features(
    model: SoundNet,
    maps: Sequence[tuple[torch.Tensor, torch.Tensor]],
    powers: Sequence[np.ndarray],
    targets: np.ndarray,
    crops_per_example: int,
    crop_seconds: tuple[float, float],
    rng: np.random.Generator,
    beside: Rows | None = None,
) -> tuple[torch.Tensor, np.ndarray]:
    """Pooled features of every whole input plus energy-weighted crops of its trunk maps; each row followed by
    ``beside``'s features of the same input, whole or cropped alike, where given."""
    feats: list[torch.Tensor] = []
    ys: list[int] = []

    def row(pooled: torch.Tensor, i: int, steps: tuple[int, int] | None) -> torch.Tensor:
        return pooled if beside is None else torch.cat([pooled, beside(i, steps).reshape(1, -1)], dim=1)

    for i, ((m3h, m4h), p, t) in enumerate(zip(maps, powers, targets, strict=True)):
        m3, m4 = m3h.float().unsqueeze(0), m4h.float().unsqueeze(0)
        feats.append(row(model.pool(m3, m4), i, None))
        ys.append(int(t))
        for a, b in crop_steps(p, m3.shape[2], crops_per_example, crop_seconds, rng):
            feats.append(row(model.pool(m3[:, :, a:b], m4[:, :, a:b]), i, (a, b)))
            ys.append(int(t))
    return torch.cat(feats), np.array(ys, dtype=np.int64)


def trunk_steps(power: np.ndarray) -> int:
    """How many steps the trunk's maps of ``power`` have (:func:`trunk_maps` pads it to one step first)."""
    return max(power.shape[0], STEP_FRAMES) // STEP_FRAMES


def crop_steps(power: np.ndarray, n_steps: int, crops: int, crop_seconds: tuple[float, float],
               rng: np.random.Generator) -> list[tuple[int, int]]:
    """The ``[start, end)`` steps of up to ``crops`` energy-weighted crops of an input of ``n_steps`` trunk steps
    (:func:`augmented_features`'s). Drawn from ``rng`` in a fixed order, so that the same generator gives the same
    crops whether the trunk's maps are cropped or the audio they came from (YAMNet's features of each crop)."""
    step_s = STEP_FRAMES / frame_rate()
    lo = max(1, round(crop_seconds[0] / step_s))
    hi = max(lo, round(crop_seconds[1] / step_s))
    weights = np.sqrt(_step_energy(power, n_steps)) + 1e-12
    weights /= weights.sum()
    spans = []
    for _ in range(crops):
        length = int(rng.integers(lo, hi + 1))
        if length >= n_steps:
            continue
        centre = int(rng.choice(n_steps, p=weights))
        a = int(np.clip(centre - length // 2, 0, n_steps - length))
        spans.append((a, a + length))
    return spans


def _fit_head(
    model: SoundNet,
    train_powers: Sequence[np.ndarray],
    train_targets: np.ndarray,
    cfg: TrainConfig,
    progress: ProgressCallback | None,
    beside: Beside | None = None,
) -> list[dict[str, float]]:
    rng = np.random.default_rng(cfg.seed)
    maps = trunk_maps(model, train_powers, progress)
    feats, ys = augmented_features(
        model, maps, train_powers, train_targets, cfg.crops_per_example, cfg.crop_seconds, rng,
        beside.train if beside is not None else None,
    )
    w, b, loss = _softmax_regression(
        feats, torch.from_numpy(ys), model.n_classes, cfg.head_c, len(train_powers), cfg.head_iterations,
        progress, stage="train", scales=beside.scales(model.feature_dim, feats.shape[1]) if beside else None,
    )
    with torch.no_grad():
        model.head.fc.weight.copy_(w)
        model.head.fc.bias.copy_(b)
    # iterations: the card tells this fit apart from epochs of fine-tuning ("1 epoch" it said of it)
    return [{"epoch": 1, "loss": loss, "features": float(len(ys)), "iterations": float(cfg.head_iterations)}]


def fit(
    model: SoundNet,
    train_powers: Sequence[np.ndarray],
    train_targets: np.ndarray,
    val_powers: Sequence[np.ndarray] = (),
    val_targets: np.ndarray | None = None,
    config: TrainConfig | None = None,
    progress: ProgressCallback | None = None,
    eval_every: int = 1,
    beside: Beside | None = None,
) -> TrainReport:
    """Train ``model`` in place on mel-power arrays (see :func:`compute_features`).

    With ``config.freeze_trunk`` (default) only the head is fitted (see :class:`TrainConfig`); this takes
    seconds to minutes on a CPU. Otherwise (``freeze_trunk=False``; experimental: on ESC-50 with a CPU
    budget of 10-15 minutes it scored below the frozen trunk, see MODEL_CARD.md) the whole network is
    fine-tuned, starting from a linear-probe head: batches mix whole inputs
    (random circular shift) and energy-weighted short crops
    (``config.crop_seconds``), with random gain, frequency and time masks, and mixup. AdamW with separate
    learning rates for trunk and head, one-cycle schedule. Validation accuracy (whole inputs) is reported
    every ``eval_every`` epochs and at the end. With ``beside`` (frozen trunk only), the head reads its features
    after the trunk's (:class:`Beside`).
    """
    cfg = config or TrainConfig()
    if beside is not None and not cfg.freeze_trunk:
        raise ValueError("features beside the trunk's are fitted on the frozen trunk only (freeze_trunk=True)")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, cfg.threads))
    t_start = time.perf_counter()
    history: list[dict[str, float]] = []
    val_acc: float | None = None
    cm: np.ndarray | None = None
    n = len(train_powers)
    if n == 0:
        raise DataError("no training examples")
    if cfg.freeze_trunk:
        try:  # validation on the threads asked too: its YAMNet features ran on every core
            history = _fit_head(model, train_powers, train_targets, cfg, progress, beside)
            if len(val_powers) and val_targets is not None:
                pred = _val_logits(model, val_powers, beside).argmax(axis=1)
                val_acc = float((pred == val_targets).mean())
                cm = confusion_matrix(val_targets, pred, model.n_classes)
                history[-1]["val_accuracy"] = val_acc
                if progress is not None:
                    progress(Progress("evaluate", 1, 1, f"val accuracy {val_acc:.3f}", {"val_accuracy": val_acc}))
        finally:
            torch.set_num_threads(prev_threads)
        history[-1]["seconds"] = time.perf_counter() - t_start
        return TrainReport([], val_acc, cm, history, time.perf_counter() - t_start, n, len(val_powers))
    if cfg.init_head:
        init_head(model, train_powers, train_targets, cfg.head_c, progress=progress)
        if len(val_powers) and val_targets is not None:
            acc0 = float((predict_logits(model, val_powers).argmax(axis=1) == val_targets).mean())
            history.append({"epoch": 0, "loss": float("nan"), "val_accuracy": acc0,
                            "seconds": time.perf_counter() - t_start})
            if progress is not None:
                progress(Progress("evaluate", 0, cfg.epochs, f"linear probe val accuracy {acc0:.3f}",
                                  {"val_accuracy": acc0}))
    for p in model.trunk.parameters():
        p.requires_grad_(not cfg.freeze_trunk)
    groups: list[dict[str, Any]] = [{"params": list(model.head.parameters()), "lr": cfg.lr_head}]
    max_lr = [cfg.lr_head]
    if not cfg.freeze_trunk:
        groups.append({"params": list(model.trunk.parameters()), "lr": cfg.lr_trunk})
        max_lr.append(cfg.lr_trunk)
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    batch_size = min(cfg.batch_size, n)
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    total_steps = steps_per_epoch * cfg.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=max_lr, total_steps=total_steps, pct_start=0.15
    )
    fr = frame_rate()
    whole_len = max(max(p.shape[0] for p in train_powers), model.min_frames())
    crop_lo = max(model.min_frames(), round(cfg.crop_seconds[0] * fr))
    crop_hi = max(crop_lo, round(cfg.crop_seconds[1] * fr))
    step = 0
    try:
        for epoch in range(cfg.epochs):
            model.train()
            if cfg.freeze_trunk:
                model.trunk.eval()
            elif cfg.freeze_batch_norm:
                for mod in model.trunk.modules():
                    if isinstance(mod, torch.nn.BatchNorm2d):
                        mod.eval()
            perm = rng.permutation(n)
            loss_sum, seen = 0.0, 0
            for b in range(steps_per_epoch):
                idx = perm[b * batch_size : (b + 1) * batch_size]
                if idx.size == 0:
                    continue
                whole = rng.random() >= cfg.crop_probability
                length = whole_len if whole else int(rng.integers(crop_lo, crop_hi + 1))
                x = _batch(train_powers, idx, length, cfg, rng, whole)
                y = torch.from_numpy(train_targets[idx])
                if cfg.mixup_alpha > 0 and idx.size > 1:
                    lam = float(rng.beta(cfg.mixup_alpha, cfg.mixup_alpha))
                    perm_b = torch.from_numpy(rng.permutation(idx.size))
                    x = lam * x + (1 - lam) * x[perm_b]
                    logits = model(x)
                    loss = lam * F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing) + (
                        1 - lam
                    ) * F.cross_entropy(logits, y[perm_b], label_smoothing=cfg.label_smoothing)
                else:
                    loss = F.cross_entropy(model(x), y, label_smoothing=cfg.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if step < total_steps - 1:
                    sched.step()
                step += 1
                loss_sum += float(loss.detach()) * idx.size
                seen += idx.size
                if progress is not None:
                    progress(
                        Progress(
                            "train", step, total_steps,
                            f"epoch {epoch + 1}/{cfg.epochs} loss {loss_sum / seen:.3f}",
                            {"epoch": epoch + 1, "loss": loss_sum / seen},
                        )
                    )
            record: dict[str, float] = {
                "epoch": epoch + 1, "loss": loss_sum / max(1, seen), "seconds": time.perf_counter() - t_start
            }
            last = epoch == cfg.epochs - 1
            if len(val_powers) and val_targets is not None and (last or (epoch + 1) % eval_every == 0):
                pred = predict_logits(model, val_powers).argmax(axis=1)
                val_acc = float((pred == val_targets).mean())
                record["val_accuracy"] = val_acc
                if last:
                    cm = confusion_matrix(val_targets, pred, model.n_classes)
                if progress is not None:
                    progress(Progress("evaluate", epoch + 1, cfg.epochs, f"val accuracy {val_acc:.3f}",
                                      {"val_accuracy": val_acc}))
            history.append(record)
    finally:
        torch.set_num_threads(prev_threads)
        for p in model.parameters():
            p.requires_grad_(True)
    model.eval()
    return TrainReport(
        labels=[],
        val_accuracy=val_acc,
        confusion=cm,
        history=history,
        seconds=time.perf_counter() - t_start,
        n_train=n,
        n_val=len(val_powers),
    )
