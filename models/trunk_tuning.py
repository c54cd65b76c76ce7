"""Fine-tune the aiSFX trunk on our labels, and measure what that buys with a linear probe.

Two steps, so that the second can run where a GPU is (it needs only torch, numpy and :mod:`.network`)::

    python -m exsampling_patch.models.trunk_tuning inputs --out /tmp/tuning   # log-mel inputs (43 MB)
    python -m exsampling_patch.models.trunk_tuning tune --inputs /tmp/tuning --out /tmp/tuned.pt [--device cuda]
    python -m exsampling_patch.models.train_sounds all --trunk /tmp/tuned.pt    # heads on the tuned trunk

``inputs`` writes the log-mel inputs of ESC-50 folds 1-4 and of the musical one-shots (each as rendered and as
one phone take, analysed as the classifier analyses a take), quantised to bytes. ``tune`` starts from the
shipped model's trunk (``--trunk``), fits a linear probe on it (the frozen trunk's figures), then trains trunk
and probe head end to end (mixup, SpecAugment, class-balanced) on ESC-50 folds 1-3 and the sound fonts, never
on fold 4, LMMS's samples and DrumSynth presets, or the recorded notes, which it scores: fold-4 top-1 and each
left-out source's slot accuracy, for the frozen trunk and for the tuned one (a fresh linear probe). The tuned
trunk's file is what ``train_sounds --trunk`` takes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .network import TUNED_TRUNK_KEY, SoundNet, float32_state

__all__ = ["LEFT_OUT_SOURCES", "TuningInputs", "load_inputs", "probe", "save_tuned_trunk", "start_trunk", "tune_trunk",
           "tuning_rows", "write_inputs"]

LEFT_OUT_SOURCES = ("lmms", "drumsynth", "tonejs")
"""Sources that tuning never trains on: the probe scores them as recordings it never met."""
VALUE_SCALE = 400.0
"""Log-mel values (0 to about 0.6) are stored as bytes of ``round(value * VALUE_SCALE)``."""
TRAIN_FRAMES = 48
"""A training one-shot keeps its first 48 frames (2.2 s: the attack and what follows); scored ones stay whole."""


@dataclass
class TuningInputs:
    """Log-mel inputs, one per row: ``specs[i]`` is ``(frames, bands)`` float32."""

    specs: list[np.ndarray]
    labels: np.ndarray
    sources: list[str]
    kinds: list[str]
    folds: np.ndarray
    label_names: list[str]
    slots: dict[str, str]

    def rows(self, keep: np.ndarray) -> list[int]:
        return [int(i) for i in np.flatnonzero(keep)]

    def source_mask(self, names: Sequence[str]) -> np.ndarray:
        return np.array([s in names for s in self.sources])


def write_inputs(cache: Path, data: Path, out: Path, per_class: int = 32, seed: int = 0) -> None:
    """Write ``inputs.npz`` into ``out`` (see the module's docstring)."""
    from collections import defaultdict

    from exsampling_patch.nodes.slot_table import _SHIPPED_MODELS_OWN

    from .augment import phone_take
    from .datasets import _load_audio, load_dataset
    from .features import compress
    from .musical import SOURCES
    from .oneshots import build
    from .sound_features import ESC50_PHONE_TAKE, noise_bank, take_power, trim

    out.mkdir(parents=True, exist_ok=True)
    folder = build(cache)
    rng = np.random.default_rng(seed)
    specs: list[np.ndarray] = []
    labels: list[str] = []
    sources: list[str] = []
    kinds: list[str] = []
    folds: list[int] = []

    def add(y: np.ndarray, rate: int, label: str, source: str, kind: str, fold: int, frames: int | None) -> None:
        spec = compress(take_power(trim(y, rate), rate))[:frames]
        specs.append(np.clip(np.rint(spec * VALUE_SCALE), 0, 255).astype(np.uint8))
        labels.append(label)
        sources.append(source)
        kinds.append(kind)
        folds.append(fold)

    ds = load_dataset(data, folds=[1, 2, 3, 4])
    for example in ds.examples:
        y, rate = _load_audio(example.path)
        add(y, rate, example.label, "esc50", "clean", example.fold or 0, None)
        take = phone_take(y, rate, rng, noise_bank(data, rate), ESC50_PHONE_TAKE)
        add(take, rate, example.label, "esc50", "phone", example.fold or 0, None)
    for source in SOURCES:
        by_label: dict[str, list[Path]] = defaultdict(list)
        for path in sorted((folder / source.name).glob("*/*.flac")):
            by_label[path.parent.name].append(path)
        left_out = source.name in LEFT_OUT_SOURCES
        for label, paths in sorted(by_label.items()):
            picked = paths if left_out else [paths[i] for i in sorted(rng.permutation(len(paths))[:per_class])]
            for path in picked:
                y, rate = _load_audio(path)
                frames = None if left_out else TRAIN_FRAMES
                add(y, rate, label, source.name, "clean", 0, frames)
                add(phone_take(y, rate, rng, noise_bank(data, rate)), rate, label, source.name, "phone", 0, frames)
    names = sorted(set(labels))
    lengths = np.array([len(s) for s in specs])
    np.savez_compressed(
        out / "inputs.npz", frames=np.concatenate(specs), lengths=lengths,
        labels=np.array([names.index(x) for x in labels]), folds=np.array(folds),
        meta=np.array(json.dumps({"labels": names, "sources": sources, "kinds": kinds,
                                  "slots": {k: v for k, v in _SHIPPED_MODELS_OWN.items() if k in names}})))


def load_inputs(folder: Path) -> TuningInputs:
    z = np.load(folder / "inputs.npz")
    meta = json.loads(str(z["meta"]))
    frames = z["frames"].astype(np.float32) / VALUE_SCALE
    bounds = np.concatenate([[0], np.cumsum(z["lengths"])])
    specs = [frames[a:b] for a, b in itertools.pairwise(bounds)]
    return TuningInputs(specs, z["labels"], meta["sources"], meta["kinds"], z["folds"], meta["labels"],
                        meta["slots"])


def _batches(lengths: np.ndarray, rows: list[int], size: int, rng: np.random.Generator) -> list[list[int]]:
    """Rows in batches of similar length (sorted by length with jitter), in random order."""
    jitter = lengths[rows] * rng.uniform(0.85, 1.15, len(rows))
    ordered = [rows[i] for i in np.argsort(jitter)]
    batches = [ordered[a : a + size] for a in range(0, len(ordered), size)]
    rng.shuffle(batches)
    return batches


def _crop_batch(specs: list[np.ndarray], rows: list[int], rng: np.random.Generator) -> np.ndarray:
    n = min(len(specs[r]) for r in rows)
    out = np.empty((len(rows), n, specs[rows[0]].shape[1]), np.float32)
    for j, r in enumerate(rows):
        start = int(rng.integers(0, len(specs[r]) - n + 1))
        out[j] = specs[r][start : start + n]
    return out


def _mix(x: torch.Tensor, y: torch.Tensor, alpha: float, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup in the power domain (what two sounds played together give), then back to log-mel."""
    lam = float(np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen))).beta(alpha, alpha))
    perm = torch.randperm(x.shape[0], generator=gen).to(x.device)
    power = torch.expm1(x * LOG_SCALE * math.log(10))
    mixed = lam * power + (1 - lam) * power[perm]
    return torch.log1p(mixed) / (LOG_SCALE * math.log(10)), lam * y + (1 - lam) * y[perm]


LOG_SCALE = 9.457798957824707  # features.LOG_SCALE, repeated so that this runs with torch and numpy alone


def _spec_augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    _b, t, f = x.shape
    x = x.clone()
    for _ in range(2):
        width = int(torch.randint(0, 9, (1,), generator=gen))
        start = int(torch.randint(0, max(1, f - width), (1,), generator=gen))
        x[:, :, start : start + width] = 0
        width = int(torch.randint(0, max(1, t // 8), (1,), generator=gen))
        start = int(torch.randint(0, max(1, t - width), (1,), generator=gen))
        x[:, start : start + width, :] = 0
    return x


class _Standardised(torch.nn.Module):
    """The network with its head on standardised features: steps of one size suit every weight of the head."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, model: SoundNet, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("mean", mean.detach().clone())
        self.register_buffer("std", std.detach().clone())
        self.head = torch.nn.Linear(model.feature_dim, model.n_classes)
        with torch.no_grad():  # the model's head reads raw features: take it back to standardised ones
            self.head.weight.copy_(model.head.fc.weight * std)
            self.head.bias.copy_(model.head.fc.bias + model.head.fc.weight @ mean)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head((self.model.pool(*self.model.sequence(x)) - self.mean) / self.std)

    @torch.no_grad()
    def fold(self) -> None:
        """Put the head, standardisation folded in, back into the model."""
        self.model.head.fc.weight.copy_(self.head.weight / self.std)
        self.model.head.fc.bias.copy_(self.head.bias - (self.head.weight / self.std) @ self.mean)


def tune_trunk(model: SoundNet, inputs: TuningInputs, rows: list[int], device: str, epochs: int = 30,
               trunk_lr: float = 1e-4, head_lr: float = 1e-3, batch: int = 64, mixup: float = 0.4,
               seed: int = 0, log: bool = True) -> None:
    """Train ``model`` (trunk and head) end to end on ``rows``, class-balanced, with mixup and SpecAugment.
    The head starts from ``model.head`` (a linear probe's, :func:`probe`)."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    lengths = np.array([len(s) for s in inputs.specs])
    n_classes = model.n_classes
    counts = np.bincount(inputs.labels[rows], minlength=n_classes).astype(np.float64)
    weights = torch.tensor(np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / n_classes, 0.0),
                           dtype=torch.float32, device=device)
    model.to(device)
    feats = pooled_features(model, [inputs.specs[i] for i in rows], device)
    net = _Standardised(model, feats.mean(0), feats.std(0) + 1e-5).to(device).train()
    del feats
    groups = [{"params": model.trunk.parameters(), "lr": trunk_lr}, {"params": net.head.parameters(), "lr": head_lr}]
    opt = torch.optim.AdamW(groups, weight_decay=1e-4)
    steps = epochs * math.ceil(len(rows) / batch)
    warm = max(1, steps // 30)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    amp = device.startswith("cuda")
    for epoch in range(epochs):
        t0, total, seen = time.perf_counter(), 0.0, 0
        for idx in _batches(lengths, rows, batch, rng):
            x = torch.from_numpy(_crop_batch(inputs.specs, idx, rng)).to(device)
            y = F.one_hot(torch.from_numpy(inputs.labels[idx]).long(), n_classes).float().to(device)
            x, y = _mix(x, y, mixup, gen)
            x = _spec_augment(x, gen)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                logits = net(x).float()
            loss = -(y * F.log_softmax(logits, 1) * weights).sum(1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        if log:
            print(f"epoch {epoch + 1}/{epochs}: loss {total / seen:.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    net.fold()
    model.eval()


@torch.no_grad()
def pooled_features(model: SoundNet, specs: list[np.ndarray], device: str) -> torch.Tensor:
    """Pooled trunk features of whole inputs, batched by equal length (no padding, as the classifier sees them)."""
    model.to(device).eval()
    out = torch.zeros(len(specs), model.feature_dim, device=device)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(specs):
        by_length.setdefault(len(s), []).append(i)
    for idx in by_length.values():
        for a in range(0, len(idx), 256):
            chunk = idx[a : a + 256]
            x = torch.from_numpy(np.stack([specs[i] for i in chunk])).to(device)
            out[chunk] = model.pool(*model.sequence(x)).float()
    return out


def probe(model: SoundNet, inputs: TuningInputs, train_rows: list[int], device: str, epochs: int = 40,
          weight_decay: float = 3e-3, seed: int = 0) -> dict[str, float]:
    """Fit a class-balanced linear head on the frozen trunk's features of ``train_rows`` and put it, with the
    standardisation folded in, into ``model.head``; score ESC-50 fold 4 (top-1 and slot, clean clips) and each
    left-out source (slot, clean and phone takes)."""
    feats = pooled_features(model, inputs.specs, device)
    train = torch.tensor(train_rows, device=device)
    mean, std = feats[train].mean(0), feats[train].std(0) + 1e-5
    z = (feats - mean) / std
    labels = torch.from_numpy(inputs.labels).long().to(device)
    n_classes = len(inputs.label_names)
    counts = torch.bincount(labels[train], minlength=n_classes).float()
    weights = torch.where(counts > 0, counts.sum() / counts.clamp(min=1) / n_classes, torch.zeros_like(counts))
    torch.manual_seed(seed)
    head = torch.nn.Linear(z.shape[1], n_classes).to(device)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, weight_decay=weight_decay)
    steps = epochs * math.ceil(len(train_rows) / 512)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(epochs):
        for idx in train[torch.randperm(len(train), device=device)].split(512):
            loss = F.cross_entropy(head(z[idx]), labels[idx], weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        probs = torch.softmax(head(z), 1).cpu().numpy()
        model.head.fc.weight.copy_(head.weight / std)
        model.head.fc.bias.copy_(head.bias - (head.weight / std) @ mean)
    return score(probs, inputs)


def score(probs: np.ndarray, inputs: TuningInputs) -> dict[str, float]:
    slot_names = sorted(set(inputs.slots.values()))
    to_slot = np.zeros((len(inputs.label_names), len(slot_names)))
    for i, name in enumerate(inputs.label_names):
        if name in inputs.slots:
            to_slot[i, slot_names.index(inputs.slots[name])] = 1.0
    slot_probs = probs @ to_slot
    truth_slot = to_slot[inputs.labels].argmax(1)
    right_label = probs.argmax(1) == inputs.labels
    right_slot = slot_probs.argmax(1) == truth_slot
    sources = np.array(inputs.sources)
    kinds = np.array(inputs.kinds)
    fold4 = (sources == "esc50") & (inputs.folds == 4) & (kinds == "clean")
    result = {"fold4_top1": float(right_label[fold4].mean()), "fold4_slot": float(right_slot[fold4].mean())}
    for source in LEFT_OUT_SOURCES:
        for kind in ("clean", "phone"):
            keep = (sources == source) & (kinds == kind)
            if keep.any():
                result[f"{source}_{kind}_slot"] = float(right_slot[keep].mean())
    return result


def start_trunk(path: Path) -> dict[str, torch.Tensor]:
    """Trunk weights (float32) of a model file (``sounds.pt``) or of a tuned trunk (:func:`save_tuned_trunk`)."""
    saved = torch.load(str(path), map_location="cpu", weights_only=True)
    if TUNED_TRUNK_KEY in saved:
        return float32_state(saved[TUNED_TRUNK_KEY])
    return float32_state({k[len("trunk."):]: v for k, v in saved["state_dict"].items() if k.startswith("trunk.")})


def save_tuned_trunk(model: SoundNet, path: Path, recipe: dict[str, object]) -> None:
    """The tuned trunk's weights (float16) in a file that ``train_sounds --trunk`` reads."""
    torch.save({TUNED_TRUNK_KEY: {k: (v.half() if v.is_floating_point() else v).cpu()
                                for k, v in model.trunk.state_dict().items()},
                "recipe": json.dumps(recipe)}, path)


def tuning_rows(inputs: TuningInputs) -> list[int]:
    """What tuning and the probe train on: ESC-50 folds 1-3 and every source but the left-out ones."""
    sources = np.array(inputs.sources)
    esc = (sources == "esc50") & (inputs.folds != 4)
    fonts = (sources != "esc50") & ~inputs.source_mask(LEFT_OUT_SOURCES)
    return inputs.rows(esc | fonts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    make = sub.add_parser("inputs", help="write the log-mel inputs")
    make.add_argument("--cache", default=None)
    make.add_argument("--data", default=None)
    make.add_argument("--out", required=True)
    make.add_argument("--per-class", type=int, default=32)
    tune = sub.add_parser("tune", help="fine-tune the trunk, probe before and after")
    tune.add_argument("--inputs", required=True)
    tune.add_argument("--out", required=True)
    tune.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    tune.add_argument("--epochs", type=int, default=30)
    tune.add_argument("--trunk-lr", type=float, default=1e-4)
    tune.add_argument("--head-lr", type=float, default=1e-3)
    tune.add_argument("--seed", type=int, default=0)
    tune.add_argument("--trunk", default=str(Path(__file__).resolve().parent / "sounds.pt"),
                      help="model file whose trunk to start from (%(default)s)")
    tune.add_argument("--subset", type=float, default=1.0, help="keep this share of the inputs (a smoke test)")
    args = ap.parse_args(argv)
    if args.step == "inputs":
        from .oneshots import DEFAULT_CACHE
        from .train_sounds import DEFAULT_DATA

        write_inputs(Path(args.cache or DEFAULT_CACHE), Path(args.data or DEFAULT_DATA), Path(args.out),
                     args.per_class)
        return 0
    torch.manual_seed(0)
    inputs = load_inputs(Path(args.inputs))
    if args.subset < 1.0:
        keep = np.random.default_rng(0).random(len(inputs.specs)) < args.subset
        inputs = TuningInputs([s for s, k in zip(inputs.specs, keep, strict=True) if k], inputs.labels[keep],
                              [s for s, k in zip(inputs.sources, keep, strict=True) if k],
                              [s for s, k in zip(inputs.kinds, keep, strict=True) if k], inputs.folds[keep],
                              inputs.label_names, inputs.slots)
    rows = tuning_rows(inputs)
    model = SoundNet(len(inputs.label_names))
    model.trunk.load_state_dict(start_trunk(Path(args.trunk)))
    print(f"{len(inputs.specs)} inputs, {len(rows)} to train on, device {args.device}", flush=True)
    t0 = time.perf_counter()  # the probe's head is where tuning starts from (linear probe, then fine-tuning)
    print("frozen trunk:", json.dumps(probe(model, inputs, rows, args.device)),
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    t0 = time.perf_counter()
    tune_trunk(model, inputs, rows, args.device, args.epochs, args.trunk_lr, args.head_lr, seed=args.seed)
    print(f"tuned in {time.perf_counter() - t0:.0f} s", flush=True)
    with torch.no_grad():
        end_to_end = torch.softmax(model.head(pooled_features(model, inputs.specs, args.device)), 1).cpu().numpy()
    print("tuned trunk, its own head:", json.dumps(score(end_to_end, inputs)), flush=True)
    print("tuned trunk, probe:", json.dumps(probe(model, inputs, rows, args.device)), flush=True)
    save_tuned_trunk(model, Path(args.out), {"epochs": args.epochs, "trunk_lr": args.trunk_lr,
                                             "head_lr": args.head_lr, "seed": args.seed,
                                             "device": args.device})
    return 0


if __name__ == "__main__":
    sys.exit(main())
