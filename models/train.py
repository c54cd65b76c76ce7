"""Training and fine-tuning of the classifier: data sets, validation of data, the training loop, model cards.

Used by ``models/train_esc50.py`` (which built the shipped model) and by ``exsampling train``.

Typical use::

    from exsampling_patch.models.train import train_folder
    report = train_folder("my_takes/", "my_model.pt", progress=lambda p: print(p.message))

A data set is either a folder with one sub-folder per label (audio files inside, any format that soundfile
reads, any rate, mono or multichannel) or a folder in ESC-50's layout (``esc50.csv`` beside ``audio/``).
:func:`load_dataset` validates everything before any training starts and raises :class:`DataError`
naming the faulty folder or file.
"""

from __future__ import annotations

import csv
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .features import FRONT_END, SAMPLE_RATE, compress, frame_rate, mel_power, prepare
from .network import STEP_FRAMES, SoundNet, calibrate_int8, script_int8_trunk

__all__ = [
    "AUDIO_EXTENSIONS",
    "DataError",
    "Dataset",
    "Example",
    "Progress",
    "TrainConfig",
    "TrainReport",
    "calibration_specs",
    "compute_features",
    "confusion_matrix",
    "fit",
    "load_dataset",
    "split_train_val",
    "train_folder",
    "write_model_card",
]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3")
"""File name endings taken as audio in a folder data set (case-insensitive)."""


class DataError(ValueError):
    """Training data that cannot be used; the message names the faulty folder or file."""


@dataclass(frozen=True)
class Example:
    """One labelled audio file. ``group`` keeps clips cut from one recording on the same side of a split."""

    path: Path
    label: str
    group: str
    fold: int | None = None


@dataclass
class Dataset:
    """Labelled audio files and the sorted list of their labels."""

    examples: list[Example]
    labels: list[str]
    root: Path

    def targets(self) -> np.ndarray:
        """Integer class index of every example (index into :attr:`labels`)."""
        index = {label: i for i, label in enumerate(self.labels)}
        return np.array([index[e.label] for e in self.examples], dtype=np.int64)

    def subset(self, indices: Sequence[int]) -> Dataset:
        """The examples at ``indices``, with the same label list."""
        return Dataset([self.examples[i] for i in indices], list(self.labels), self.root)


@dataclass(frozen=True)
class Progress:
    """One progress report: ``stage`` is "features", "embed" (trunk maps), "init" (linear probe),
    "train" or "evaluate";
    ``done`` out of ``total``."""

    stage: str
    done: int
    total: int
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


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


# --------------------------------------------------------------------------------------------- data sets


def _readable(path: Path) -> None:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types; all mean "cannot read"
        raise DataError(f"unreadable audio file: {path} ({exc})") from exc
    if info.frames <= 0:
        raise DataError(f"audio file has no samples: {path}")


def _dataset_from_folder(root: Path, check_files: bool) -> Dataset:
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise DataError(f"no class folders in {root}: expected one sub-folder of audio files per label")
    examples: list[Example] = []
    for d in class_dirs:
        files = sorted(
            p for p in d.rglob("*") if p.is_file() and not p.name.startswith(".")
        )
        audio = [p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
        if not audio:
            others = f" ({len(files)} non-audio files)" if files else ""
            raise DataError(f"class folder has no audio files: {d}{others}")
        for p in audio:
            if check_files:
                _readable(p)
            examples.append(Example(p, d.name, f"{d.name}/{p.stem}"))
    return Dataset(examples, [d.name for d in class_dirs], root)


def _dataset_from_esc50(root: Path, csv_path: Path, folds: Sequence[int] | None, check_files: bool) -> Dataset:
    audio_dir = root / "audio"
    examples: list[Example] = []
    with csv_path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"filename", "fold", "category"} - set(reader.fieldnames or [])
        if missing:
            raise DataError(f"{csv_path}: missing column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                fold = int(row["fold"])
            except ValueError as exc:
                raise DataError(f"{csv_path}:{line}: bad fold {row['fold']!r}") from exc
            if folds is not None and fold not in folds:
                continue
            path = audio_dir / row["filename"]
            if not path.is_file():
                raise DataError(f"{csv_path}:{line}: audio file not found: {path}")
            if check_files:
                _readable(path)
            group = row.get("src_file") or path.stem
            examples.append(Example(path, row["category"], f"{fold}/{group}", fold))
    if not examples:
        raise DataError(f"{csv_path}: no clips" + (f" in folds {list(folds)}" if folds else ""))
    labels = sorted({e.label for e in examples})
    return Dataset(examples, labels, root)


def load_dataset(
    path: str | Path, folds: Sequence[int] | None = None, check_files: bool = True
) -> Dataset:
    """Find, list and validate a training data set.

    Args:
        path: a folder with one sub-folder per label, or an ESC-50-style folder (``esc50.csv`` or another
            single ``*.csv`` with columns filename, fold, category, beside ``audio/``), or that CSV file.
        folds: ESC-50 layout only: keep these folds (default all).
        check_files: open every file's header to catch unreadable files now rather than mid-training.

    Raises:
        DataError: missing folder, no class folders, an empty class folder, an unreadable or missing file,
            or fewer than two classes. The message names the folder or file.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"data not found: {p}")
    if p.is_file() and p.suffix.lower() == ".csv":
        ds = _dataset_from_esc50(p.parent, p, folds, check_files)
    elif p.is_dir():
        csvs = sorted(p.glob("*.csv"))
        if csvs and (p / "audio").is_dir():
            csv_path = p / "esc50.csv" if (p / "esc50.csv").is_file() else csvs[0]
            ds = _dataset_from_esc50(p, csv_path, folds, check_files)
        else:
            ds = _dataset_from_folder(p, check_files)
    else:
        raise DataError(f"not a folder or CSV file: {p}")
    if len(ds.labels) < 2:
        raise DataError(f"only one class ({ds.labels[0]!r}) in {p}: a classifier needs at least two")
    return ds


def split_train_val(
    dataset: Dataset, val_fraction: float = 0.2, seed: int = 0, val_folds: Sequence[int] | None = None
) -> tuple[list[int], list[int]]:
    """Stratified split into training and validation indices, keeping each ``group`` on one side.

    With ``val_folds`` (ESC-50 layout) the split is by fold instead. At least one example of every class
    stays in training; a class with a single example has none in validation.
    """
    if val_folds is not None:
        val = [i for i, e in enumerate(dataset.examples) if e.fold in set(val_folds)]
        train = [i for i, e in enumerate(dataset.examples) if e.fold not in set(val_folds)]
        return train, val
    rng = random.Random(seed)
    train, val = [], []
    for label in dataset.labels:
        groups: dict[str, list[int]] = {}
        for i, e in enumerate(dataset.examples):
            if e.label == label:
                groups.setdefault(e.group, []).append(i)
        keys = sorted(groups)
        rng.shuffle(keys)
        n_val = round(len(keys) * val_fraction) if len(keys) > 1 else 0
        n_val = min(n_val, len(keys) - 1)
        for k_i, k in enumerate(keys):
            (val if k_i < n_val else train).extend(groups[k])
    return sorted(train), sorted(val)


def _load_audio(path: Path) -> np.ndarray:
    import soundfile as sf

    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise DataError(f"unreadable audio file: {path} ({exc})") from exc
    return prepare(data, int(sr))


def compute_features(
    dataset: Dataset,
    progress: ProgressCallback | None = None,
    max_seconds: float | None = 10.0,
) -> list[np.ndarray]:
    """Mel power ``(frames, bands)`` of every example (peak-normalised, 16 kHz; see ``features``).

    Files longer than ``max_seconds`` keep their loudest ``max_seconds``.
    """
    out: list[np.ndarray] = []
    n = len(dataset.examples)
    for i, e in enumerate(dataset.examples):
        y = _load_audio(e.path)
        if max_seconds is not None and y.size > max_seconds * SAMPLE_RATE:
            y = _loudest_span(y, int(max_seconds * SAMPLE_RATE))
        out.append(mel_power(y))
        if progress is not None:
            progress(Progress("features", i + 1, n, f"features {i + 1}/{n}: {e.path.name}"))
    return out


def _loudest_span(y: np.ndarray, length: int) -> np.ndarray:
    energy = np.convolve(y.astype(np.float64) ** 2, np.ones(1024), mode="same")[: y.size - length + 1 : 512]
    start = int(np.argmax(np.convolve(energy, np.ones(max(1, length // 512)), mode="valid"))) * 512
    return y[start : start + length]


# --------------------------------------------------------------------------------------------- training


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


def _pad_frames(p: np.ndarray, n: int) -> np.ndarray:
    if p.shape[0] >= n:
        return p
    return np.concatenate([p, np.zeros((n - p.shape[0], p.shape[1]), p.dtype)])


@torch.inference_mode()
def predict_logits(model: SoundNet, powers: Sequence[np.ndarray], batch_size: int = 16) -> np.ndarray:
    """Whole-input logits ``(n, classes)`` for mel-power arrays (equal lengths are batched together)."""
    model.eval()
    out = np.zeros((len(powers), model.n_classes), np.float32)
    order = sorted(range(len(powers)), key=lambda i: powers[i].shape[0])
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        n = max(max(powers[i].shape[0] for i in chunk), model.min_frames())
        x = torch.from_numpy(np.stack([compress(_pad_frames(powers[i], n)) for i in chunk]))
        out[chunk] = model(x).numpy()
    return out


def calibration_specs(powers: Sequence[np.ndarray], n: int = 64, seed: int = 0) -> list[torch.Tensor]:
    """Up to ``n`` whole inputs as ``(1, frames, bands)`` log-mel tensors, for :func:`calibrate_int8`."""
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(powers))[:n]
    return [torch.from_numpy(compress(_pad_frames(powers[i], STEP_FRAMES))).unsqueeze(0) for i in idx]


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n, n)`` counts; row = true class, column = predicted class."""
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (truth, predicted), 1)
    return cm


@torch.no_grad()
def pooled_features(model: SoundNet, powers: Sequence[np.ndarray], batch_size: int = 16) -> torch.Tensor:
    """Pooled trunk features ``(n, feature_dim)`` of whole inputs (eval mode)."""
    model.eval()
    out = torch.zeros(len(powers), model.feature_dim)
    order = sorted(range(len(powers)), key=lambda i: powers[i].shape[0])
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        n = max(max(powers[i].shape[0] for i in chunk), model.min_frames())
        x = torch.from_numpy(np.stack([compress(_pad_frames(powers[i], n)) for i in chunk]))
        seq3, seq4 = model.sequence(x)
        out[chunk] = model.pool(seq3, seq4)
    return out


def _softmax_regression(
    feats: torch.Tensor, targets: torch.Tensor, n_classes: int, c: float, n_ref: int, iterations: int,
    progress: ProgressCallback | None = None, stage: str = "init",
) -> tuple[torch.Tensor, torch.Tensor]:
    """L2-regularised softmax regression on standardised features; returns (weight, bias) for the raw
    features. The penalty is ``||W||^2 / (2 c n_ref)`` on the standardised scale."""
    mu, sigma = feats.mean(0), feats.std(0) + 1e-4
    z = (feats - mu) / sigma
    lin = torch.nn.Linear(z.shape[1], n_classes)
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    opt = torch.optim.Adam(lin.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
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
    return weight.detach(), bias.detach()


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
    w, b = _softmax_regression(feats, y, model.n_classes, c, len(y), iterations, progress)
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
        x = torch.from_numpy(compress(_pad_frames(p, model.min_frames()))).unsqueeze(0)
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
) -> tuple[torch.Tensor, np.ndarray]:
    """Pooled features of every whole input plus energy-weighted crops of its trunk maps."""
    step_s = STEP_FRAMES / frame_rate()
    lo = max(1, round(crop_seconds[0] / step_s))
    hi = max(lo, round(crop_seconds[1] / step_s))
    feats: list[torch.Tensor] = []
    ys: list[int] = []
    for (m3h, m4h), p, t in zip(maps, powers, targets, strict=True):
        m3, m4 = m3h.float().unsqueeze(0), m4h.float().unsqueeze(0)
        feats.append(model.pool(m3, m4))
        ys.append(int(t))
        n_steps = m3.shape[2]
        weights = np.sqrt(_step_energy(p, n_steps)) + 1e-12
        weights /= weights.sum()
        for _ in range(crops_per_example):
            length = int(rng.integers(lo, hi + 1))
            if length >= n_steps:
                continue
            centre = int(rng.choice(n_steps, p=weights))
            a = int(np.clip(centre - length // 2, 0, n_steps - length))
            feats.append(model.pool(m3[:, :, a : a + length], m4[:, :, a : a + length]))
            ys.append(int(t))
    return torch.cat(feats), np.array(ys, dtype=np.int64)


def _fit_head(
    model: SoundNet,
    train_powers: Sequence[np.ndarray],
    train_targets: np.ndarray,
    cfg: TrainConfig,
    progress: ProgressCallback | None,
) -> list[dict[str, float]]:
    rng = np.random.default_rng(cfg.seed)
    maps = trunk_maps(model, train_powers, progress)
    feats, ys = augmented_features(
        model, maps, train_powers, train_targets, cfg.crops_per_example, cfg.crop_seconds, rng
    )
    w, b = _softmax_regression(
        feats, torch.from_numpy(ys), model.n_classes, cfg.head_c, len(train_powers), cfg.head_iterations,
        progress, stage="train",
    )
    with torch.no_grad():
        model.head.fc.weight.copy_(w)
        model.head.fc.bias.copy_(b)
    return [{"epoch": 1, "loss": float("nan"), "features": float(len(ys))}]


def fit(
    model: SoundNet,
    train_powers: Sequence[np.ndarray],
    train_targets: np.ndarray,
    val_powers: Sequence[np.ndarray] = (),
    val_targets: np.ndarray | None = None,
    config: TrainConfig | None = None,
    progress: ProgressCallback | None = None,
    eval_every: int = 1,
) -> TrainReport:
    """Train ``model`` in place on mel-power arrays (see :func:`compute_features`).

    With ``config.freeze_trunk`` (default) only the head is fitted (see :class:`TrainConfig`); this takes
    seconds to minutes on a CPU. Otherwise (``freeze_trunk=False``; experimental: on ESC-50 with a CPU
    budget of 10-15 minutes it scored below the frozen trunk, see MODEL_CARD.md) the whole network is
    fine-tuned, starting from a linear-probe head: batches mix whole inputs
    (random circular shift) and energy-weighted short crops
    (``config.crop_seconds``), with random gain, frequency and time masks, and mixup. AdamW with separate
    learning rates for trunk and head, one-cycle schedule. Validation accuracy (whole inputs) is reported
    every ``eval_every`` epochs and at the end.
    """
    cfg = config or TrainConfig()
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
        try:
            history = _fit_head(model, train_powers, train_targets, cfg, progress)
        finally:
            torch.set_num_threads(prev_threads)
        if len(val_powers) and val_targets is not None:
            pred = predict_logits(model, val_powers).argmax(axis=1)
            val_acc = float((pred == val_targets).mean())
            cm = confusion_matrix(val_targets, pred, model.n_classes)
            history[-1]["val_accuracy"] = val_acc
            if progress is not None:
                progress(Progress("evaluate", 1, 1, f"val accuracy {val_acc:.3f}", {"val_accuracy": val_acc}))
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


# --------------------------------------------------------------------------------------------- model cards


def save_confusion_png(cm: np.ndarray, labels: Sequence[str], path: str | Path, title: str = "") -> Path:
    """Draw a confusion matrix (rows true, columns predicted) to a PNG with matplotlib."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = len(labels)
    size = max(4.0, 0.22 * n + 2.5)
    fig, ax = plt.subplots(figsize=(size, size), dpi=100)
    ax.imshow(cm, cmap="Blues", interpolation="nearest")
    ax.set_xticks(range(n), labels, rotation=90, fontsize=7 if n > 12 else 9)
    ax.set_yticks(range(n), labels, fontsize=7 if n > 12 else 9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if n <= 12:
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if cm[i, j] > cm.max() / 2 else "black")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out)
    plt.close(fig)
    return out


def write_model_card(
    path: str | Path,
    report: TrainReport,
    data_description: str,
    confusion_png: str | Path | None = None,
    extra: str = "",
) -> Path:
    """Write a markdown card: data, preprocessing, accuracy, confusion matrix, training time, licences."""
    out = Path(path)
    lines = [
        f"# Model card: {out.with_suffix('').name}",
        "",
        "## Data",
        data_description,
        "",
        f"Classes ({len(report.labels)}): " + ", ".join(report.labels),
        "",
        f"Training examples: {report.n_train}; validation examples: {report.n_val}.",
        "",
        "## Preprocessing",
        f"Mix-down to mono, resampling to {SAMPLE_RATE} Hz, peak normalisation; {FRONT_END.n_fft}-point "
        f"frames every {FRONT_END.hop} samples ({frame_rate():.1f} a second); HTK mel bands below 8 kHz "
        "(unit-sum filters); log10(1 + 10000 * power) / 9.4578.",
        "",
        "## Accuracy",
    ]
    if report.val_accuracy is not None:
        lines.append(f"Top-1 accuracy on the held-out validation examples (whole takes): "
                     f"**{100 * report.val_accuracy:.1f}%** ({report.n_val} examples).")
    else:
        lines.append("No validation examples were held out.")
    if confusion_png is not None:
        lines += ["", f"![confusion matrix]({Path(confusion_png).name})"]
    lines += [
        "",
        "## Training",
        f"{len(report.history)} epochs in {report.seconds:.0f} s.",
        "",
        "| epoch | loss | validation accuracy |",
        "| --- | --- | --- |",
    ]
    for h in report.history:
        acc = f"{100 * h['val_accuracy']:.1f}%" if "val_accuracy" in h else ""
        epoch = "0 (linear probe)" if int(h["epoch"]) == 0 else str(int(h["epoch"]))
        loss = "" if math.isnan(h["loss"]) else f"{h['loss']:.3f}"
        lines.append(f"| {epoch} | {loss} | {acc} |")
    lines += [
        "",
        "## Licences",
        "The network's trunk descends from the aiSFX 0.1.2 checkpoint by A. B. Ma and A. Lerch (ISMIR 2022), "
        "licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); these weights are modified "
        "(fine-tuned). The licence of the training data is the data owner's.",
    ]
    if extra:
        lines += ["", extra]
    out.write_text("\n".join(lines) + "\n")
    return out


def train_folder(
    data: str | Path,
    out: str | Path,
    base_model: str | Path | None = None,
    config: TrainConfig | None = None,
    val_fraction: float = 0.2,
    progress: ProgressCallback | None = None,
) -> TrainReport:
    """Fine-tune a classifier on a data set and write the model file and its card.

    Args:
        data: see :func:`load_dataset`. Validated before anything else happens.
        out: the model file to write (``.pt``); the card goes beside it as ``<stem>.md`` with
            ``<stem>_confusion.png``.
        base_model: model file to start from; ``None`` starts from the shipped model (its trunk; the head
            is new, for the data's labels).
        config: hyper-parameters; the default trains a new head on the base model's frozen trunk, which
            suits few examples per class (10 or fewer) and takes seconds.
        val_fraction: share of each class (by group) held out for validation.
        progress: called with :class:`Progress` reports.

    Returns:
        The :class:`TrainReport`, with ``model_path`` and ``card_path`` set.
    """
    from .classifier import load_model_file, save_model_file

    dataset = load_dataset(data)
    cfg = config or TrainConfig()
    train_idx, val_idx = split_train_val(dataset, val_fraction, seed=cfg.seed)
    base = load_model_file(base_model)
    model = SoundNet(len(dataset.labels))
    model.trunk.load_state_dict(base.model.trunk.state_dict())
    powers = compute_features(dataset, progress)
    targets = dataset.targets()
    report = fit(
        model,
        [powers[i] for i in train_idx],
        targets[train_idx],
        [powers[i] for i in val_idx],
        targets[val_idx],
        cfg,
        progress,
        eval_every=max(1, cfg.epochs // 4),
    )
    report.labels = list(dataset.labels)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    observers = calibrate_int8(model, calibration_specs([powers[i] for i in train_idx]))
    meta = {"config": asdict(cfg), "data": str(dataset.root), "val_accuracy": report.val_accuracy}
    save_model_file(model, dataset.labels, out_path, meta, script_int8_trunk(model, observers))
    png = None
    if report.confusion is not None:
        png = save_confusion_png(report.confusion, dataset.labels,
                                 out_path.with_name(out_path.stem + "_confusion.png"))
    desc = (f"{len(dataset.examples)} files from `{dataset.root}`; {report.n_val} held out for validation "
            f"(stratified by label, files of one group kept together). Fine-tuned from "
            f"{'the shipped model' if base_model is None else base_model}.")
    report.card_path = write_model_card(out_path.with_suffix(".md"), report, desc, png)
    report.model_path = out_path
    return report
