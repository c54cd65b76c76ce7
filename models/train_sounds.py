"""Build the shipped classifier of everyday and musical sounds (``models/sounds.pt``) in one command.

Its head reads the frozen aiSFX trunk (taken from the model file given by ``--trunk``, the shipped one by
default) and is trained on ESC-50 folds 1-4 and on musical one-shots from Debian's sound fonts and sample packs
and npm's recorded notes (:mod:`models.oneshots` fetches and renders them; :mod:`models.augment` makes each clean
one-shot sound like a phone take in a room; :mod:`models.sound_features` computes and caches the trunk's
features). Phases, each reusing the cached work of the ones before::

    python -m exsampling_patch.models.train_sounds features   # one-shots, then trunk features of everything
    python -m exsampling_patch.models.train_sounds loso       # leave-one-source-out validation, calibration
    python -m exsampling_patch.models.train_sounds ship       # the shipped model and the validation head
    python -m exsampling_patch.models.train_sounds all        # the three in order

``loso`` trains one head per musical source with that source left out (and ESC-50 fold 4 left out), scores the
left-out source's takes through the default patch's chain (gate, slot map), fits the temperature that
calibrates the probabilities on all left-out predictions, and picks the gate's threshold from them. The head
trained without lmms-common (the ``lmms`` sample pack and the ``drumsynth`` presets) ships as the validation
head: CI scores ESC-50 fold 4 and the LMMS one-shots with it. ``ship`` trains on everything, with the
temperature folded into the head.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from exsampling_patch.commands.arg_types import at_least

from .calibration import calibration_error, choose_threshold, fit_temperature, reliability_png, slot_outcomes, softmax
from .classifier import SHIPPED_MODEL, save_head_file, save_model_file
from .head_fit import calibration_table, fit_head, fit_heads, normalized_table
from .model_file import YamnetBlock
from .musical import SOURCES
from .network import Head
from .oneshots import DEFAULT_CACHE, oneshot_folder
from .sound_features import (
    AUGMENTED_COPIES,
    MAX_SECONDS,
    FeatureSet,
    calibration_takes,
    features,
    load_parts,
    take_span,
    trunk_model,
)
from .yamnet import FEATURE_SIZE, FEATURES, PATCH_FEATURES, yamnet_from_state
from .yamnet_features import attach_yamnet, yamnet_features
from .yamnet_int8 import calibrate, calibration_patches

__all__ = ["FeatureSet", "calibration_table", "fit_head", "fit_heads", "loso", "main", "ship",
           "summary_table", "yamnet_int8_ranges"]

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esc50"
MODELS = Path(__file__).resolve().parent
SHIPPED_SOUNDS = MODELS / "sounds.pt"
VALIDATION_SOUNDS_HEAD = MODELS / "sounds_validation_head.pt"
VALIDATION_SOURCE = "lmms"
"""The musical source the validation head never saw (with ESC-50 fold 4): what CI scores."""
HEAD_C = 0.0054
"""The head's inverse L2 strength. The penalty is divided by the number of distinct recordings, which nearly
doubled with 96 notes a class: 0.01 with 48, scaled by 12,700 / 23,400 recordings, keeps the penalty's weight."""
YAMNET_SCALE = 4.0
"""The weight of YAMNet's standardised features beside the trunk's (``--yamnet-scale``): chosen among 0.5-8 by the
ESC-50 cross-validation within folds 1-3 of the ``esc50`` phase (models/MODEL_CARD.md, "In the training recipe")."""
YAMNET_MODEL = "sounds_yamnet.pt"
"""What ``ship --yamnet`` writes: a model file that carries YAMNet, its head on aiSFX's and YAMNet's features."""
YAMNET_VALIDATION_HEAD = "sounds_yamnet_validation_head.pt"
"""Its validation head (the loso's, without :data:`VALIDATION_SOURCE`), for that model file."""
GATE_JUDGE = "slot"
"""As the default patch's confidence gate (``judge``): its threshold is read off the best slot's probability."""


def summary_table(summary: Mapping[str, Any], labels: Sequence[str]) -> dict[str, str]:
    """The rows ``summary`` (:func:`loso`'s) was calibrated with: its ``gate_table``, or, for a summary written
    before it recorded one, :func:`calibration_table` (the shipped table's rows, as ``exsampling check`` takes a
    model file without ``gate_table``). ``ship`` on an earlier ``loso`` wrote today's shipped rows beside a
    threshold calibrated with the rows of that day."""
    table = summary.get("gate_table")
    if isinstance(table, dict):
        return {str(label): str(slot) for label, slot in table.items()}
    return calibration_table(labels)


def _logits(feats: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> np.ndarray:
    return np.asarray((feats @ weight.T + bias).numpy(), dtype=np.float64)


def all_labels(parts: dict[str, FeatureSet]) -> list[str]:
    return sorted({label for part in parts.values() for label in part.labels})


def left_out_with(source: str) -> list[str]:
    """The sources left out of training with ``source``: those from its package (LMMS's samples and its
    DrumSynth presets are both lmms-common's), itself first."""
    package = next(s.package for s in SOURCES if s.name == source)
    return [source] + [s.name for s in SOURCES if s.package == package and s.name != source]


def loso(parts: dict[str, FeatureSet], c: float, epochs: int, out: Path, slot_weight: float = 0.0,
         seeds: int = 1, yamnet_scale: float = 0.0) -> dict:
    """Leave each musical source out in turn, with the other sources of its package (ESC-50 fold 4 always out);
    score what was left out. Slots are summed by :func:`calibration_table`'s rows, recorded in the summary
    (``gate_table``) for ``ship`` to write beside the threshold. With ``yamnet_scale``, the heads read YAMNet's
    features beside the trunk's (:meth:`FeatureSet.inputs`)."""
    labels = all_labels(parts)
    gate_table = calibration_table(labels)
    by_slot = normalized_table(gate_table)
    index = {label: i for i, label in enumerate(labels)}
    esc_train = [parts[name] for f in (1, 2, 3) for name in (f"esc50_fold{f}", f"esc50_phone_fold{f}") if name in parts]
    fold4 = parts["esc50_fold4"].select([k == "whole" for k in parts["esc50_fold4"].kinds])
    held: dict[str, dict] = {}
    pooled_logits, pooled_truth, pooled_kind = [], [], []
    heads = {}
    fitted: dict[frozenset[str], tuple[torch.Tensor, torch.Tensor]] = {}  # sources of one package share a head
    for source in [s.name for s in SOURCES if s.name in parts]:
        t0 = time.perf_counter()
        out_too = frozenset(left_out_with(source))
        if out_too not in fitted:
            train = FeatureSet.concat(esc_train + [p for name, p in parts.items()
                                                   if not name.startswith("esc50") and name not in out_too])
            fitted[out_too] = fit_heads(train, labels, c, epochs, seeds, slot_weight, table=gate_table,
                                        yamnet_scale=yamnet_scale)
        weight, bias = fitted[out_too]
        heads[source] = (weight, bias)
        test = parts[source]
        logits = _logits(test.inputs(yamnet_scale), weight, bias)
        esc_logits = _logits(fold4.inputs(yamnet_scale), weight, bias)
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
    outcome = slot_outcomes(probs, labels, list(pooled_truth), by_slot, 0.0, judge=GATE_JUDGE)
    threshold = choose_threshold(outcome["confidence"][calibrate_rows], outcome["right"][calibrate_rows])
    summary: dict = {"labels": labels, "temperature": temperature, "ece": ece, "ece_before": ece_raw,
                     "reliability": bins, "reliability_before": bins_raw, "gate_threshold": threshold,
                     "gate_table": gate_table, "sources": held, "yamnet_scale": yamnet_scale,
                     "yamnet_features": fitted_recipe(yamnet_scale)}
    for name in sorted(set(kinds)):
        rows = kinds == name
        for choose in ("slot", "label"):
            o = slot_outcomes(probs[rows], labels, [pooled_truth[i] for i in np.flatnonzero(rows)],
                              by_slot, threshold, choose, judge=GATE_JUDGE)
            summary.setdefault("by_part", {}).setdefault(name, {})[choose] = {
                "rows": int(rows.sum()), "top1": float(correct[rows].mean()),
                "right_slot_no_gate": float(o["right"].mean()),
                "rejected": float(1 - o["passed"].mean()),
                "right_slot_of_passed": float(o["right"][o["passed"]].mean()) if o["passed"].any() else 0.0,
                "right_slot_after_gate": float((o["right"] & o["passed"]).mean()),
            }
    _per_class(summary, probs, labels, pooled_truth, kinds, threshold, by_slot)
    out.mkdir(parents=True, exist_ok=True)
    (out / "loso.json").write_text(json.dumps(summary, indent=1))
    reliability_png(bins_raw, bins, out / "reliability.png")
    validation = heads.get(VALIDATION_SOURCE)
    if validation is not None:
        torch.save({"weight": validation[0], "bias": validation[1], "labels": labels, "yamnet_scale": yamnet_scale,
                    "yamnet_features": fitted_recipe(yamnet_scale)}, out / "validation_head.pt")
    return summary


def _per_class(summary: dict, probs: np.ndarray, labels: Sequence[str], truth: Sequence[str], kinds: np.ndarray,
               threshold: float, table: dict[str, str]) -> None:
    """Right slot after the gate, per true label, over the musical phone takes of every left-out source, slots
    summed by ``table`` (labels normalised)."""
    rows = [int(i) for i in np.flatnonzero([k.endswith("/phone") for k in kinds])]
    o = slot_outcomes(probs[rows], labels, [truth[i] for i in rows], table, threshold, judge=GATE_JUDGE)
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for j, i in enumerate(rows):
        per[truth[i]][0] += 1
        per[truth[i]][1] += int(o["right"][j] and o["passed"][j])
        per[truth[i]][2] += int(not o["passed"][j])
    summary["musical_phone_by_class"] = {k: {"takes": v[0], "right_after_gate": v[1] / v[0], "rejected": v[2] / v[0]}
                                         for k, v in sorted(per.items())}


def ship(parts: dict[str, FeatureSet], trunk: Path, data: Path, cache: Path, summary: dict, c: float,
         epochs: int, seed: int, out: Path, slot_weight: float = 0.0, seeds: int = 1,
         yamnet: YamnetBlock | None = None) -> Path:
    """Train on everything, fold the temperature into the head, calibrate the int8 trunk, write the model and
    the validation head (the ``loso`` head without :data:`VALIDATION_SOURCE`). The model's ``gate_table`` is the
    rows ``summary``'s threshold was calibrated with (:func:`summary_table`), and the head sums slots by them.
    With ``yamnet`` (its weights and the head's scale), the head reads YAMNet's features too and the model file
    carries YAMNet: :data:`YAMNET_MODEL` and :data:`YAMNET_VALIDATION_HEAD`, beside the plain ones."""
    labels = all_labels(parts)
    temperature = float(summary["temperature"])
    gate_table = summary_table(summary, labels)
    t0 = time.perf_counter()
    weight, bias = fit_heads(FeatureSet.concat(list(parts.values())), labels, c, epochs, seeds, slot_weight,
                             table=gate_table, yamnet_scale=yamnet.scale if yamnet else 0.0)
    seconds = time.perf_counter() - t0
    model = trunk_model(trunk, len(labels))
    if yamnet is not None:  # the head reads [aiSFX pooled | scale * YAMNet]
        model.head = Head(model.feature_dim + FEATURE_SIZE, len(labels))
    with torch.no_grad():
        model.head.fc.weight.copy_(weight / temperature)
        model.head.fc.bias.copy_(bias / temperature)
    manifest = json.loads((oneshot_folder(cache) / "manifest.json").read_text())
    meta = {
        "data": "ESC-50 folds 1-4 and musical one-shots: " + ", ".join(
            f"{name} ({m['package']} {m['version']}, {m['licence']}, {m['total']})" for name, m in manifest.items()),
        "temperature": temperature, "gate_threshold": summary["gate_threshold"], "gate_judge": GATE_JUDGE,
        "gate_table": gate_table,
        "ece": summary["ece"],
        "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen", "head_seconds": seconds,
        "head": {"c": c, "epochs": epochs, "slot_weight": slot_weight, "seeds": seeds},
        "span_seconds": MAX_SECONDS,  # each take's loudest span the head read (take_span): check warns of another
    }
    names = (YAMNET_MODEL, YAMNET_VALIDATION_HEAD) if yamnet else (SHIPPED_SOUNDS.name, VALIDATION_SOUNDS_HEAD.name)
    head_path = out / "validation_head.pt"
    head = torch.load(head_path, weights_only=True) if head_path.is_file() else None
    if head is not None:  # before the model is written: refused, nothing is replaced
        _check_head_scale(head, head_path, yamnet)
        _check_head_labels(head, head_path, labels)
    out.mkdir(parents=True, exist_ok=True)
    int8_trunk = (cache / "features" / "int8_trunk.pt").read_bytes()
    if yamnet is not None:
        yamnet = replace(yamnet, int8=yamnet_int8_ranges(yamnet, data, cache, seed))
    path = save_model_file(model, labels, out / names[0], meta, int8_trunk, yamnet)
    if head is not None:
        with torch.no_grad():
            model.head.fc.weight.copy_(head["weight"] / temperature)
            model.head.fc.bias.copy_(head["bias"] / temperature)
        save_head_file(model, labels, out / names[1], {
            "data": f"ESC-50 folds 1-3 and every musical source but {', '.join(left_out_with(VALIDATION_SOURCE))}",
            "temperature": temperature, "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen"}, yamnet=yamnet)
    print(f"shipped model: {path} ({len(labels)} labels, head fitted in {seconds:.0f} s"
          f"{f', YAMNet at scale {yamnet.scale:g}' if yamnet else ''})", flush=True)
    return path


def yamnet_int8_ranges(yamnet: YamnetBlock, data: Path, cache: Path, seed: int) -> dict[str, tuple[float, int]]:
    """The activation ranges YAMNet's int8 convs run at (:mod:`.yamnet_int8`), measured on the takes the aiSFX
    trunk's int8 ranges are (:func:`.sound_features.calibration_takes`), each as the classifier hears it (its
    loudest span). The head is fitted on float features: the int8 ones lie within a cosine of 0.98 of them
    (models/MODEL_CARD.md, "YAMNet in int8")."""
    takes = [(take_span(y, rate), rate) for y, rate in calibration_takes(data, cache, seed)]
    return calibrate(yamnet_from_state(yamnet.state_dict, freeze=False), calibration_patches(takes))


def _check_head_scale(head: Mapping[str, Any], path: Path, block: YamnetBlock | None) -> None:
    """ValueError where the loso's validation head was fitted at another YAMNet scale than the model's, or on
    YAMNet's features of another recipe: put on it, it would read YAMNet's features weighed or computed otherwise
    than it learnt them (a head file names the recipe of the model it is written with)."""
    fitted, wanted = float(head.get("yamnet_scale", 0.0)), block.scale if block else 0.0
    if fitted != wanted:
        raise ValueError(f"{path} was fitted at YAMNet scale {fitted:g}, the model at {wanted:g}: run loso again")
    recipe = summary_recipe(head)
    if block is not None and recipe != block.features:
        raise ValueError(f"{path} was fitted on YAMNet's features computed as '{recipe}', the model computes them as "
                         f"'{block.features}': run loso again")


def fitted_recipe(yamnet_scale: float) -> str | None:
    """The recipe of YAMNet's features a head fitted now at ``yamnet_scale`` reads (None without YAMNet): what a loso
    summary and its validation head record, and what :func:`summary_recipe` must read back for ``ship`` to use them."""
    return FEATURES if yamnet_scale else None


def summary_recipe(record: Mapping[str, Any]) -> str | None:
    """The recipe of YAMNet's features a loso summary or validation head was fitted on (None without YAMNet);
    those written before they named it were all fitted on :data:`.yamnet.PATCH_FEATURES`."""
    if not record.get("yamnet_scale"):
        return None
    return str(record.get("yamnet_features") or PATCH_FEATURES)


def _check_head_labels(head: Mapping[str, Any], path: Path, labels: Sequence[str]) -> None:
    """ValueError where the loso's validation head was fitted on other labels than the model's (the one-shots or
    the label set changed since): its rows would be read as the wrong classes."""
    fitted = list(head.get("labels", []))
    if fitted != list(labels):
        missing, extra = sorted(set(labels) - set(fitted)), sorted(set(fitted) - set(labels))
        why = f"missing {missing}" if missing else f"extra {extra}" if extra else "in another order"
        raise ValueError(f"{path} was fitted on other labels than the model's ({why}): run loso again")


def esc50_scales(parts: Mapping[str, FeatureSet], c: float, epochs: int, scales: Sequence[float], seeds: int = 1,
                 slot_weight: float = 0.0) -> dict[float, dict[str, Any]]:
    """ESC-50 alone, with the recipe's head: for each YAMNet scale (0: the trunk's features alone), the top-1 of
    whole (trimmed) clips by leave-one-fold-out within folds 1-3 (which chooses the scale), and fold 4's, trimmed
    and untrimmed, by a head trained on folds 1-3 (clips, crops, phone takes)."""
    labels = sorted({label for f in (1, 2, 3, 4) for label in parts[f"esc50_fold{f}"].labels})
    table = calibration_table(labels)

    def top1(head: tuple[torch.Tensor, torch.Tensor], fold: int, kind: str, scale: float) -> float:
        part = parts[f"esc50_fold{fold}"]
        test = part.select([k == kind for k in part.kinds])
        truth = np.array([labels.index(label) for label in test.labels])
        return float((_logits(test.inputs(scale), *head).argmax(1) == truth).mean())

    results: dict[float, dict[str, Any]] = {}
    for scale in scales:
        def head(folds: Sequence[int], scale: float = scale) -> tuple[torch.Tensor, torch.Tensor]:
            train = FeatureSet.concat([parts[f"{kind}{f}"] for f in folds
                                       for kind in ("esc50_fold", "esc50_phone_fold")])
            return fit_heads(train, labels, c, epochs, seeds, slot_weight, table=table, yamnet_scale=scale)

        cv = []
        for held in (1, 2, 3):
            cv.append(top1(head([f for f in (1, 2, 3) if f != held]), held, "whole", scale))
            print(f"esc50 yamnet scale {scale}: fold {held} left out of folds 1-3: {100 * cv[-1]:.2f}%", flush=True)
        final = head([1, 2, 3])
        results[scale] = {"cv_top1": float(np.mean(cv)), "cv_folds": cv, "fold4_top1": top1(final, 4, "whole", scale),
                          "fold4_untrimmed_top1": top1(final, 4, "untrimmed", scale)}
        print(f"esc50 yamnet scale {scale}: " + json.dumps(results[scale]), flush=True)
    chosen = max(scales, key=lambda scale: results[scale]["cv_top1"])
    print(f"esc50: scale chosen by CV on folds 1-3: {chosen}; fold 4 top-1 {100 * results[chosen]['fold4_top1']:.2f}%",
          flush=True)
    return results


def _yamnet_weights(cache: Path) -> Path:
    from .yamnet_weights import build

    return build(cache)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=["features", "loso", "ship", "all", "esc50"],
                    help="esc50: ESC-50 alone, the trunk's features against both at each --yamnet-scales")
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="downloads, one-shots and features (%(default)s)")
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="ESC-50 folds 1-4 (%(default)s)")
    ap.add_argument("--trunk", default=str(SHIPPED_SOUNDS if SHIPPED_SOUNDS.is_file() else SHIPPED_MODEL),
                    help="model file whose frozen trunk is used, or the aiSFX 0.1.2 checkpoint.pth (%(default)s)")
    ap.add_argument("--out", help="where summaries and the model go (default: <cache>/train)")
    ap.add_argument("--head-c", type=float, default=HEAD_C, help="inverse L2 strength of the head (%(default)s)")
    ap.add_argument("--slot-weight", type=float, default=0.3,
                    help="weight of the slot's cross-entropy beside the label's (%(default)s)")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0,
                    help="draws crops, phone takes and the int8 trunk's calibration takes (%(default)s); another "
                    "seed, or going back, computes the int8 trunk and every trunk feature again (hours)")
    ap.add_argument("--head-seeds", type=int, default=3,
                    help="heads fitted with seeds 0, 1, ... and averaged into each head (%(default)s)")
    ap.add_argument("--copies", type=int, default=AUGMENTED_COPIES,
                    help="phone takes made of each one-shot (%(default)s; features of another count need a new cache)")
    ap.add_argument("--yamnet", action=argparse.BooleanOptionalAction, default=False,
                    help="the head reads YAMNet's features beside the trunk's (%(default)s)")
    ap.add_argument("--yamnet-scale", type=float, default=YAMNET_SCALE,
                    help="weight of YAMNet's standardised features beside the trunk's (%(default)s)")
    ap.add_argument("--yamnet-scales", default="0,1,2,4,8", help="the scales the esc50 phase compares (%(default)s)")
    cores = len(os.sched_getaffinity(0))
    ap.add_argument("--threads", type=at_least(1), default=cores, metavar="N",
                    help="CPU threads for the whole training, features and int8 calibration included (default: the "
                    "cores this process may use, %(default)s); on a machine busy with other work, fewer can be faster")
    args = ap.parse_args(argv)
    cache, data, trunk = Path(args.cache), Path(args.data), Path(args.trunk)
    out = Path(args.out) if args.out else cache / "train"
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    paths = features(cache, data, trunk, args.seed, args.copies)
    if args.phase == "esc50":
        paths = {name: path for name, path in paths.items() if name.startswith("esc50")}
    yamnet = _yamnet_weights(cache) if args.yamnet or args.phase == "esc50" else None
    yamnet_paths = yamnet_features(cache, data, list(paths), yamnet, args.seed, args.copies) if yamnet else {}
    print(f"features ready in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.phase == "features":
        return 0
    parts = load_parts(paths)
    attach_yamnet(parts, yamnet_paths)
    if args.phase == "esc50":
        scales = [float(x) for x in args.yamnet_scales.split(",")]
        esc50_scales(parts, args.head_c, args.epochs, scales, args.head_seeds, args.slot_weight)
        return 0
    scale = args.yamnet_scale if args.yamnet else 0.0
    summary_path = out / "loso.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    if (args.phase in ("loso", "all") or summary.get("yamnet_scale", 0.0) != scale
            or summary_recipe(summary) != fitted_recipe(scale)):
        summary = loso(parts, args.head_c, args.epochs, out, args.slot_weight, args.head_seeds, scale)
    print(json.dumps({k: summary[k] for k in ("temperature", "ece", "ece_before", "gate_threshold", "by_part")},
                     indent=1), flush=True)
    if args.phase in ("ship", "all"):
        ship(parts, trunk, data, cache, summary, args.head_c, args.epochs, args.seed, out, args.slot_weight,
             args.head_seeds, YamnetBlock.from_weights(yamnet, scale) if yamnet and scale else None)
    print(f"done in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
