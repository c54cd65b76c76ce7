"""Build the shipped classifier of everyday and musical sounds (``models/sounds.pt``) in one command.

Its head reads the frozen aiSFX trunk (taken from the model file given by ``--trunk``, the shipped one by
default) and is trained on ESC-50 folds 1-4 and on musical one-shots from Debian's sound fonts and sample packs
(:mod:`models.oneshots` fetches and renders them; :mod:`models.augment` makes each clean one-shot sound like a
phone take in a room). Phases, each reusing the cached work of the ones before::

    python -m exsampling_patch.models.train_sounds features   # one-shots, then trunk features of everything
    python -m exsampling_patch.models.train_sounds loso       # leave-one-source-out validation, calibration
    python -m exsampling_patch.models.train_sounds ship       # the shipped model and the validation head
    python -m exsampling_patch.models.train_sounds all        # the three in order

``loso`` trains one head per musical source with that source left out (and ESC-50 fold 4 left out), scores the
left-out source's takes through the default patch's chain (gate, slot map), fits the temperature that
calibrates the probabilities on all left-out predictions, and picks the gate's threshold from them. The head
trained without the ``lmms`` sample pack ships as the validation head: CI scores ESC-50 fold 4 and the LMMS
one-shots with it. ``ship`` trains on everything, with the temperature folded into the head.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .augment import phone_take
from .calibration import calibration_error, choose_threshold, fit_temperature, reliability_png, slot_outcomes, softmax
from .classifier import SHIPPED_MODEL, load_model_file, save_head_file, save_model_file
from .datasets import _load_audio, load_dataset
from .features import analyse, compress, loudest_span
from .fitting import augmented_features, calibration_specs, trunk_maps
from .musical import SOURCES
from .network import STEP_FRAMES, SoundNet, calibrate_int8, load_int8_trunk, script_int8_trunk
from .oneshots import DEFAULT_CACHE, build, oneshot_folder

__all__ = ["FeatureSet", "fit_head", "loso", "main", "ship"]

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esc50"
MODELS = Path(__file__).resolve().parent
SHIPPED_SOUNDS = MODELS / "sounds.pt"
VALIDATION_SOUNDS_HEAD = MODELS / "sounds_validation_head.pt"
VALIDATION_SOURCE = "lmms"
"""The musical source the validation head never saw (with ESC-50 fold 4): what CI scores."""
AMBIENT_NOISE = ("rain", "wind", "sea_waves", "crackling_fire", "airplane", "train", "engine", "crickets",
                 "vacuum_cleaner", "washing_machine")
"""ESC-50 classes whose clips (folds 1-4) serve as background noise under augmented one-shots."""
AUGMENTED_COPIES = 2
MAX_SECONDS = 5.0
"""As the classifier node scores takes: the loudest 5 s."""
TRIM_DB = 60.0
"""As the default patch's trim node."""
GATE_JUDGE = "slot"
"""As the default patch's confidence gate (``judge``): its threshold is read off the best slot's probability."""


@dataclass
class FeatureSet:
    """Pooled trunk features of one part of the data, with a label, group and kind for each row."""

    feats: torch.Tensor
    labels: list[str]
    groups: list[str]
    kinds: list[str]
    """``whole`` (an ESC-50 clip), ``crop`` (a crop of one), ``clean`` (a one-shot as rendered) or ``phone``."""

    def save(self, path: Path) -> None:
        torch.save({"feats": self.feats.half(), "labels": self.labels, "groups": self.groups,
                    "kinds": self.kinds}, path)

    @staticmethod
    def load(path: Path) -> FeatureSet:
        blob = torch.load(path, weights_only=True)
        return FeatureSet(blob["feats"].float(), blob["labels"], blob["groups"], blob["kinds"])

    @staticmethod
    def concat(parts: Sequence[FeatureSet]) -> FeatureSet:
        return FeatureSet(torch.cat([p.feats for p in parts]), [x for p in parts for x in p.labels],
                          [x for p in parts for x in p.groups], [x for p in parts for x in p.kinds])

    def select(self, keep: Sequence[bool]) -> FeatureSet:
        idx = [i for i, k in enumerate(keep) if k]
        return FeatureSet(self.feats[idx], [self.labels[i] for i in idx], [self.groups[i] for i in idx],
                          [self.kinds[i] for i in idx])


def trim(mono: np.ndarray, rate: int, top_db: float = TRIM_DB) -> np.ndarray:
    """The sound as the default patch's trim node keeps it (:func:`~exsampling_patch.nodes.processing.trim_bounds`
    from the loudest frame); all of it when nothing stands above the threshold."""
    from exsampling_patch.nodes.processing import trim_bounds

    start, end = trim_bounds(mono, rate, top_db)
    return mono[start:end] if end > start else mono


def take_power(mono: np.ndarray, rate: int) -> np.ndarray:
    """What the classifier analyses of a take: the loudest 5 s, as mel power, at least one trunk step long."""
    first, last = loudest_span(mono, rate, MAX_SECONDS)
    power = analyse(mono[first:last], rate)
    if power.shape[0] < STEP_FRAMES:
        power = np.concatenate([power, np.zeros((STEP_FRAMES - power.shape[0], power.shape[1]), np.float32)])
    return power


@torch.no_grad()
def pooled(model: SoundNet, powers: Sequence[np.ndarray], batch: int = 32) -> torch.Tensor:
    """Pooled features of whole inputs, batched by equal length (no padding: as the classifier sees them)."""
    model.eval()
    out = torch.zeros(len(powers), model.feature_dim)
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(powers):
        by_length[p.shape[0]].append(i)
    for idx in by_length.values():
        for a in range(0, len(idx), batch):
            chunk = idx[a : a + batch]
            x = torch.from_numpy(np.stack([compress(powers[i]) for i in chunk]))
            out[chunk] = model.pool(*model.sequence(x))
    return out


def noise_bank(data: Path, rate: int, per_class: int = 8) -> list[np.ndarray]:
    """Background noises at ``rate``: ESC-50 clips (folds 1-4) of :data:`AMBIENT_NOISE` classes."""
    from scipy.signal import resample_poly

    ds = load_dataset(data, folds=[1, 2, 3, 4], check_files=False)
    noises = []
    for label in AMBIENT_NOISE:
        for example in [e for e in ds.examples if e.label == label][:per_class]:
            y, sr = _load_audio(example.path)
            noises.append(resample_poly(y, rate, sr).astype(np.float32) if sr != rate else y)
    return noises


def esc50_features(model: SoundNet, data: Path, fold: int, seed: int) -> FeatureSet:
    """Whole clips and 4 energy-weighted crops of each clip of one ESC-50 fold, each clip trimmed at 60 dB
    first, as the default patch trims takes (many clips are one short event padded with digital silence to
    5 s, which the patch's classifier sees as a short take); and each clip untrimmed (``untrimmed``)."""
    ds = load_dataset(data, folds=[fold])
    clips = [_load_audio(e.path) for e in ds.examples]
    powers = [take_power(trim(y, rate), rate) for y, rate in clips]
    maps = trunk_maps(model, powers)
    rng = np.random.default_rng([seed, fold])
    targets = ds.targets()
    rows: list[torch.Tensor] = []
    labels, groups, kinds = [], [], []
    for i, example in enumerate(ds.examples):  # one clip at a time, so that its first row is the whole clip
        feats, _ = augmented_features(model, maps[i : i + 1], powers[i : i + 1], targets[i : i + 1], 4,
                                      (1.0, 2.5), rng)
        rows.append(feats)
        labels += [example.label] * len(feats)
        groups += [f"esc50/{example.group}"] * len(feats)
        kinds += ["whole"] + ["crop"] * (len(feats) - 1)
    # The clips as they are too, for patches that classify without trimming first.
    raw = pooled(model, [take_power(y, rate) for y, rate in clips])
    labels += [e.label for e in ds.examples]
    groups += [f"esc50/{e.group}" for e in ds.examples]
    kinds += ["untrimmed"] * len(ds.examples)
    return FeatureSet(torch.cat([*rows, raw]), labels, groups, kinds)


def oneshot_features(model: SoundNet, folder: Path, source: str, noises: Sequence[np.ndarray],
                     copies: int, seed: int) -> FeatureSet:
    """Each one-shot of a source as rendered (``clean``) and as ``copies`` random phone takes (``phone``),
    trimmed as the default patch trims, analysed as the classifier analyses."""
    files = sorted((folder / source).glob("*/*.flac"))
    rng = np.random.default_rng([seed, sum(map(ord, source))])
    powers, labels, groups, kinds = [], [], [], []
    for path in files:
        y, rate = _load_audio(path)
        versions = [("clean", y)] + [("phone", phone_take(y, rate, rng, noises)) for _ in range(copies)]
        for kind, version in versions:
            powers.append(take_power(trim(version, rate), rate))
            labels.append(path.parent.name)
            groups.append(f"{source}/{path.stem}")
            kinds.append(kind)
    return FeatureSet(pooled(model, powers), labels, groups, kinds)


def features(cache: Path, data: Path, trunk: Path, seed: int, copies: int = AUGMENTED_COPIES) -> dict[str, Path]:
    """Build the one-shots and compute (or find cached) every part's features; returns part name -> file."""
    folder = build(cache)
    out = cache / "features"
    out.mkdir(parents=True, exist_ok=True)
    model = _trunk_model(trunk, 1)
    torch.set_num_threads(2)
    int8_path = out / "int8_trunk.pt"
    if not int8_path.is_file():  # features made with another int8 trunk would not match it: start afresh
        for stale in out.glob("*.pt"):
            stale.unlink()
        observers = calibrate_int8(model, calibration_specs(_calibration_powers(data, cache, seed), n=96, seed=seed))
        int8_path.write_bytes(script_int8_trunk(model, observers))
    # Features come from the int8 trunk that ships: the head learns exactly what the classifier will compute.
    model.trunk = load_int8_trunk(int8_path.read_bytes(), model.n_bands)  # type: ignore[assignment]
    parts: dict[str, Path] = {}
    for fold in (1, 2, 3, 4):
        parts[f"esc50_fold{fold}"] = out / f"esc50_fold{fold}.pt"
        if not parts[f"esc50_fold{fold}"].is_file():
            t0 = time.perf_counter()
            esc50_features(model, data, fold, seed).save(parts[f"esc50_fold{fold}"])
            print(f"features esc50 fold {fold}: {time.perf_counter() - t0:.0f} s", flush=True)
    noises: dict[int, list[np.ndarray]] = {}
    for source in SOURCES:
        parts[source.name] = out / f"{source.name}.pt"
        if parts[source.name].is_file():
            continue
        t0 = time.perf_counter()
        rates = {_rate_of(p) for p in (folder / source.name).glob("*/*.flac")}
        rate = max(rates) if rates else 44100
        if rate not in noises:
            noises[rate] = noise_bank(data, rate)
        part = oneshot_features(model, folder, source.name, noises[rate], copies, seed)
        part.save(parts[source.name])
        print(f"features {source.name}: {len(part.labels)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    return parts


def _rate_of(path: Path) -> int:
    import soundfile as sf

    return int(sf.info(str(path)).samplerate)


def _trunk_model(trunk: Path, n_classes: int) -> SoundNet:
    """A network with a fresh head on the frozen trunk of a model file, or of the aiSFX 0.1.2 checkpoint
    (``models/checkpoint.pth`` inside the ``aisfx`` wheel on PyPI) when ``trunk`` is a ``.pth`` file."""
    if trunk.suffix == ".pth":
        model = SoundNet(n_classes)
        # A pickled (state_dict, dataset dict with NumPy scalars): a trusted file from the registry, read at
        # training time only, so weights_only=False is acceptable here.
        state, _ = torch.load(str(trunk), map_location="cpu", weights_only=False)
        prefix = "embedding_net."
        model.trunk.load_state_dict({k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)})
        return model.eval()
    loaded = load_model_file(trunk)
    model = SoundNet(n_classes, n_bands=loaded.model.n_bands)
    model.trunk.load_state_dict(loaded.model.trunk.state_dict())
    return model.eval()


def _load_parts(parts: dict[str, Path]) -> dict[str, FeatureSet]:
    return {name: FeatureSet.load(path) for name, path in parts.items()}


def slot_groups(labels: Sequence[str]) -> torch.Tensor:
    """A (labels x slots) matrix, 0 where the default slot table sends a label to a slot and -1e4 elsewhere
    (labels without a slot share a column of their own): added to logits, its log-sum-exp over labels gives
    each slot's log-probability, as the slot map sums probabilities."""
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE, normalize_label

    slot_names = [DEFAULT_SLOT_TABLE.get(normalize_label(label), "") for label in labels]
    columns = sorted(set(slot_names))
    groups = torch.full((len(labels), len(columns)), -1e4)
    for row, name in enumerate(slot_names):
        groups[row, columns.index(name)] = 0.0
    return groups


def fit_head(train: FeatureSet, labels: Sequence[str], c: float, epochs: int, seed: int = 0,
             batch_size: int = 512, lr: float = 3e-3, slot_weight: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Class-balanced, L2-regularised softmax regression on the rows of ``train``; returns (weight, bias).

    The same objective as the ESC-50 recipe's (``fitting._softmax_regression``: mean cross-entropy plus
    ``||W||^2 / (2 c n)`` on standardised features, n the number of distinct recordings), each row weighted so
    that every class weighs the same, minimised by mini-batch Adam with a cosine schedule: on 17,000 rows of
    12,288 features, 300 full-batch steps took a quarter of an hour on 2 cores; ``epochs`` passes take a minute.
    With ``slot_weight``, the cross-entropy of the slot (the slot table's sum over labels, :func:`slot_groups`)
    is added with that weight: mistaking a label for another of the same slot costs less than for another slot's.
    """
    index = {label: i for i, label in enumerate(labels)}
    y = torch.tensor([index[label] for label in train.labels])
    groups = slot_groups(labels)
    y_slot = groups.argmax(1)[y]
    counts = torch.bincount(y, minlength=len(labels)).float()
    weights = (1.0 / counts.clamp(min=1))[y]
    weights *= len(y) / weights.sum()
    mu = train.feats.mean(0)
    sigma = train.feats.std(0) + 1e-4
    z = (train.feats - mu) / sigma
    n_ref = len(set(train.groups))
    generator = torch.Generator().manual_seed(seed)
    lin = torch.nn.Linear(z.shape[1], len(labels))
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    steps = epochs * -(-len(y) // batch_size)
    opt = torch.optim.Adam(lin.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    with torch.enable_grad():
        for _ in range(epochs):
            for rows in torch.randperm(len(y), generator=generator).split(batch_size):
                logits = lin(z[rows])
                per_row = torch.nn.functional.cross_entropy(logits, y[rows], reduction="none")
                if slot_weight:
                    slot_logits = torch.logsumexp(logits[:, :, None] + groups[None], dim=1)
                    per_row = per_row + slot_weight * torch.nn.functional.cross_entropy(
                        slot_logits, y_slot[rows], reduction="none")
                loss = (per_row * weights[rows]).mean() + lin.weight.pow(2).sum() / (2 * c * n_ref)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
    with torch.no_grad():
        weight = lin.weight / sigma
        bias = lin.bias - (lin.weight * (mu / sigma)).sum(1)
    return weight.detach(), bias.detach()


def _logits(feats: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> np.ndarray:
    return np.asarray((feats @ weight.T + bias).numpy(), dtype=np.float64)


def all_labels(parts: dict[str, FeatureSet]) -> list[str]:
    return sorted({label for part in parts.values() for label in part.labels})


def loso(parts: dict[str, FeatureSet], c: float, epochs: int, out: Path, slot_weight: float = 0.0) -> dict:
    """Leave each musical source out in turn (ESC-50 fold 4 always out); score what was left out."""
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    labels = all_labels(parts)
    index = {label: i for i, label in enumerate(labels)}
    esc_train = [parts[f"esc50_fold{f}"] for f in (1, 2, 3)]
    fold4 = parts["esc50_fold4"].select([k == "whole" for k in parts["esc50_fold4"].kinds])
    held: dict[str, dict] = {}
    pooled_logits, pooled_truth, pooled_kind = [], [], []
    heads = {}
    for source in [s.name for s in SOURCES if s.name in parts]:
        t0 = time.perf_counter()
        train = FeatureSet.concat(esc_train + [p for name, p in parts.items()
                                               if name != source and not name.startswith("esc50")])
        weight, bias = fit_head(train, labels, c, epochs, slot_weight=slot_weight)
        heads[source] = (weight, bias)
        test = parts[source]
        logits = _logits(test.feats, weight, bias)
        esc_logits = _logits(fold4.feats, weight, bias)
        esc_acc = float((esc_logits.argmax(1) == np.array([index[x] for x in fold4.labels])).mean())
        held[source] = {"esc50_fold4_top1": esc_acc, "seconds": time.perf_counter() - t0, "rows": len(test.labels)}
        pooled_logits.append(logits)
        pooled_truth += test.labels
        pooled_kind += [f"{source}/{k}" for k in test.kinds]
        if source == VALIDATION_SOURCE:
            pooled_logits.append(esc_logits)
            pooled_truth += fold4.labels
            pooled_kind += ["esc50/fold4"] * len(fold4.labels)
        print(f"loso {source}: fitted in {held[source]['seconds']:.0f} s, ESC-50 fold 4 {100 * esc_acc:.1f}%",
              flush=True)
    all_logits = np.concatenate(pooled_logits)
    truth = np.array([index[x] for x in pooled_truth])
    kinds = np.array(pooled_kind)
    musical_phone = np.array([k.endswith("/phone") for k in kinds])
    calibrate_rows = musical_phone | (kinds == "esc50/fold4")
    temperature = fit_temperature(all_logits[calibrate_rows], truth[calibrate_rows])
    probs = softmax(all_logits / temperature)
    raw_probs = softmax(all_logits)
    confidence = probs.max(1)
    correct = probs.argmax(1) == truth
    ece, bins = calibration_error(confidence[calibrate_rows], correct[calibrate_rows])
    raw_correct = raw_probs.argmax(1) == truth
    ece_raw, bins_raw = calibration_error(raw_probs.max(1)[calibrate_rows], raw_correct[calibrate_rows])
    outcome = slot_outcomes(probs, labels, list(pooled_truth), DEFAULT_SLOT_TABLE, 0.0, judge=GATE_JUDGE)
    threshold = choose_threshold(outcome["confidence"][calibrate_rows], outcome["right"][calibrate_rows])
    summary: dict = {"labels": labels, "temperature": temperature, "ece": ece, "ece_before": ece_raw,
                     "reliability": bins, "reliability_before": bins_raw, "gate_threshold": threshold,
                     "sources": held}
    for name in sorted(set(kinds)):
        rows = kinds == name
        for choose in ("slot", "label"):
            o = slot_outcomes(probs[rows], labels, [pooled_truth[i] for i in np.flatnonzero(rows)],
                              DEFAULT_SLOT_TABLE, threshold, choose, judge=GATE_JUDGE)
            summary.setdefault("by_part", {}).setdefault(name, {})[choose] = {
                "rows": int(rows.sum()), "top1": float(correct[rows].mean()),
                "right_slot_no_gate": float(o["right"].mean()),
                "rejected": float(1 - o["passed"].mean()),
                "right_slot_of_passed": float(o["right"][o["passed"]].mean()) if o["passed"].any() else 0.0,
                "right_slot_after_gate": float((o["right"] & o["passed"]).mean()),
            }
    _per_class(summary, probs, labels, pooled_truth, kinds, threshold)
    out.mkdir(parents=True, exist_ok=True)
    (out / "loso.json").write_text(json.dumps(summary, indent=1))
    reliability_png(bins_raw, bins, out / "reliability.png")
    validation = heads.get(VALIDATION_SOURCE)
    if validation is not None:
        torch.save({"weight": validation[0], "bias": validation[1], "labels": labels}, out / "validation_head.pt")
    return summary


def _per_class(summary: dict, probs: np.ndarray, labels: Sequence[str], truth: Sequence[str], kinds: np.ndarray,
               threshold: float) -> None:
    """Right slot after the gate, per true label, over the musical phone takes of every left-out source."""
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    rows = [int(i) for i in np.flatnonzero([k.endswith("/phone") for k in kinds])]
    o = slot_outcomes(probs[rows], labels, [truth[i] for i in rows], DEFAULT_SLOT_TABLE, threshold, judge=GATE_JUDGE)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for j, i in enumerate(rows):
        per[truth[i]][0] += 1
        per[truth[i]][1] += int(o["right"][j] and o["passed"][j])
        per[truth[i]][2] += int(not o["passed"][j])
    summary["musical_phone_by_class"] = {k: {"takes": v[0], "right_after_gate": v[1] / v[0], "rejected": v[2] / v[0]}
                                         for k, v in sorted(per.items())}


def ship(parts: dict[str, FeatureSet], trunk: Path, data: Path, cache: Path, summary: dict, c: float,
         epochs: int, seed: int, out: Path, slot_weight: float = 0.0) -> Path:
    """Train on everything, fold the temperature into the head, calibrate the int8 trunk, write the model and
    the validation head (the ``loso`` head without :data:`VALIDATION_SOURCE`)."""
    labels = all_labels(parts)
    temperature = float(summary["temperature"])
    t0 = time.perf_counter()
    weight, bias = fit_head(FeatureSet.concat(list(parts.values())), labels, c, epochs, slot_weight=slot_weight)
    seconds = time.perf_counter() - t0
    model = _trunk_model(trunk, len(labels))
    with torch.no_grad():
        model.head.fc.weight.copy_(weight / temperature)
        model.head.fc.bias.copy_(bias / temperature)
    manifest = json.loads((oneshot_folder(cache) / "manifest.json").read_text())
    meta = {
        "data": "ESC-50 folds 1-4 and musical one-shots: " + ", ".join(
            f"{name} ({m['package']} {m['version']}, {m['licence']}, {m['total']})" for name, m in manifest.items()),
        "temperature": temperature, "gate_threshold": summary["gate_threshold"], "gate_judge": GATE_JUDGE,
        "ece": summary["ece"],
        "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen", "head_seconds": seconds,
        "head": {"c": c, "epochs": epochs, "slot_weight": slot_weight},
    }
    out.mkdir(parents=True, exist_ok=True)
    int8_trunk = (cache / "features" / "int8_trunk.pt").read_bytes()
    path = save_model_file(model, labels, out / SHIPPED_SOUNDS.name, meta, int8_trunk)
    head_path = out / "validation_head.pt"
    if head_path.is_file():
        head = torch.load(head_path, weights_only=True)
        with torch.no_grad():
            model.head.fc.weight.copy_(head["weight"] / temperature)
            model.head.fc.bias.copy_(head["bias"] / temperature)
        save_head_file(model, labels, out / VALIDATION_SOUNDS_HEAD.name, {
            "data": f"ESC-50 folds 1-3 and every musical source but {VALIDATION_SOURCE}",
            "temperature": temperature, "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen"})
    print(f"shipped model: {path} ({len(labels)} labels, head fitted in {seconds:.0f} s)", flush=True)
    return path


def _calibration_powers(data: Path, cache: Path, seed: int) -> list[np.ndarray]:
    """Inputs for the int8 trunk's activation ranges: 64 ESC-50 clips and 32 one-shots (no labels used)."""
    from .fitting import calibration_indices

    ds = load_dataset(data, folds=[1, 2, 3, 4], check_files=False)
    clips = [ds.examples[i].path for i in calibration_indices(len(ds.examples), 64, seed)]
    shots = sorted(oneshot_folder(cache).glob("*/*/*.flac"))
    picked = [shots[i] for i in np.random.default_rng(seed).permutation(len(shots))[:32]]
    return [take_power(trim(y, rate), rate) for y, rate in (_load_audio(p) for p in clips + picked)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=["features", "loso", "ship", "all"])
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="downloads, one-shots and features (%(default)s)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folds 1-4 (%(default)s)")
    ap.add_argument("--trunk", default=str(SHIPPED_SOUNDS if SHIPPED_SOUNDS.is_file() else SHIPPED_MODEL),
                    help="model file whose frozen trunk is used, or the aiSFX 0.1.2 checkpoint.pth (%(default)s)")
    ap.add_argument("--out", help="where summaries and the model go (default: <cache>/train)")
    ap.add_argument("--head-c", type=float, default=0.01, help="inverse L2 strength of the head (%(default)s)")
    ap.add_argument("--slot-weight", type=float, default=0.3,
                    help="weight of the slot's cross-entropy beside the label's (%(default)s)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--copies", type=int, default=AUGMENTED_COPIES,
                    help="phone takes made of each one-shot (%(default)s; features of another count need a new cache)")
    args = ap.parse_args(argv)
    cache, data, trunk = Path(args.cache), Path(args.data), Path(args.trunk)
    out = Path(args.out) if args.out else cache / "train"
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    paths = features(cache, data, trunk, args.seed, args.copies)
    print(f"features ready in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.phase == "features":
        return 0
    parts = _load_parts(paths)
    summary_path = out / "loso.json"
    if args.phase in ("loso", "all") or not summary_path.is_file():
        summary = loso(parts, args.head_c, args.epochs, out, args.slot_weight)
    else:
        summary = json.loads(summary_path.read_text())
    print(json.dumps({k: summary[k] for k in ("temperature", "ece", "ece_before", "gate_threshold", "by_part")},
                     indent=1), flush=True)
    if args.phase in ("ship", "all"):
        ship(parts, trunk, data, cache, summary, args.head_c, args.epochs, args.seed, out, args.slot_weight)
    print(f"done in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
