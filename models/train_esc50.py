"""Build the shipped ESC-50 classifier (the script that trained ``models/esc50.pt``).

Phase ``eval``: train the head on the frozen aiSFX trunk with ESC-50 folds 1-3, validate on fold 4, write the
confusion matrix PNG, a JSON summary and the validation head alone (``esc50_folds123_head.pt``, shipped beside
``esc50.pt`` so that fold-4 accuracy can be measured honestly). Phase ``ship``: the same recipe on folds 1-4,
written as the shipped model. Phase ``int8``: rebuild only the int8 trunk of a model file (``--model``, the
shipped one by default), calibrated on the same 64 clips as ``ship``, in place.

The aiSFX checkpoint is read from the aiSFX 0.1.2 wheel (CC BY 4.0), for instance::

    pip download --no-deps aisfx==0.1.2 -d /tmp/aisfx && unzip -o /tmp/aisfx/*.whl -d /tmp/aisfx
    python -m models.train_esc50 eval --aisfx /tmp/aisfx/aisfx/models/checkpoint.pth --out /tmp/esc50_eval

Only the network weights are used (aiSFX's Essentia front end is not).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .classifier import (
    SHIPPED_MODEL,
    VALIDATION_HEAD,
    load_classifier,
    load_model_file,
    save_head_file,
    save_model_file,
)
from .network import SoundNet, calibrate_int8, script_int8_trunk
from .train import (
    Progress,
    TrainConfig,
    calibration_indices,
    calibration_specs,
    compute_features,
    fit,
    load_dataset,
    save_confusion_png,
    split_train_val,
)

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "esc50"


def load_aisfx_trunk(model: SoundNet, checkpoint: str | Path) -> None:
    """Copy the aiSFX 0.1.2 embedding network's weights into ``model.trunk``."""
    # The checkpoint is a pickled (state_dict, dataset dict with NumPy scalars): a trusted file from the
    # registry, so weights_only=False is acceptable here (training time only).
    state, _ = torch.load(str(checkpoint), map_location="cpu", weights_only=False)
    prefix = "embedding_net."
    trunk_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    model.trunk.load_state_dict(trunk_state)


def evaluate_windows(model_path: Path, paths: list[Path], labels: list[str]) -> dict[str, float]:
    """Accuracy of the saved model through :class:`Classifier` on whole clips, with 1 s windows, and on
    the loudest 1 s of each clip taken as a short take."""
    import soundfile as sf

    from .features import SAMPLE_RATE

    clf = load_classifier(model_path)
    hits = {"acc_whole": 0, "acc_windows_1s_mean": 0, "acc_windows_1s_max": 0, "acc_loudest_1s_take": 0}
    for path, label in zip(paths, labels, strict=True):
        y, sr = sf.read(str(path), dtype="float32")
        hits["acc_whole"] += clf.predict(y, sr).label == label
        hits["acc_windows_1s_mean"] += clf.predict(y, sr, window="1s").label == label
        hits["acc_windows_1s_max"] += clf.predict(y, sr, window="1s", pooling="max").label == label
        n = SAMPLE_RATE if sr == SAMPLE_RATE else sr
        e = np.convolve(y.astype(np.float64) ** 2, np.ones(n), mode="valid")
        start = int(np.argmax(e)) if e.size else 0
        hits["acc_loudest_1s_take"] += clf.predict(y[start : start + n], sr).label == label
    return {k: v / len(paths) for k, v in hits.items()}


def requantize(model_path: Path, data: str | Path) -> Path:
    """Rebuild the int8 trunk of the model file at ``model_path`` in place, calibrated on the clips that
    ``ship`` calibrates on (64 of ESC-50 folds 1-4, seed 0); weights, labels and metadata are kept."""
    loaded = load_model_file(model_path)
    ds = load_dataset(data, folds=[1, 2, 3, 4])
    powers = compute_features(ds.subset(sorted(calibration_indices(len(ds.examples)))))
    observers = calibrate_int8(loaded.model, calibration_specs(powers, n=len(powers)))
    return save_model_file(loaded.model, loaded.labels, model_path, loaded.meta,
                           script_int8_trunk(loaded.model, observers))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("phase", choices=["eval", "ship", "int8"])
    ap.add_argument("--aisfx", help="path to aiSFX 0.1.2 models/checkpoint.pth (eval, ship)")
    ap.add_argument("--model", default=str(SHIPPED_MODEL), help="model file whose int8 trunk is rebuilt (int8)")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", help="output folder (eval, ship)")
    ap.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crops", type=int, default=TrainConfig.crops_per_example)
    ap.add_argument("--head-c", type=float, default=TrainConfig.head_c)
    ap.add_argument("--fine-tune", action="store_true", help="fine-tune the trunk too (slow on a CPU)")
    args = ap.parse_args(argv)
    if args.phase == "int8":
        print(f"int8 trunk rebuilt in {requantize(Path(args.model), args.data)}", flush=True)
        return 0
    if not args.aisfx or not args.out:
        ap.error(f"phase {args.phase} needs --aisfx and --out")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = TrainConfig(epochs=args.epochs, seed=args.seed, crops_per_example=args.crops, head_c=args.head_c,
                      freeze_trunk=not args.fine_tune)
    folds = [1, 2, 3, 4]
    ds = load_dataset(args.data, folds=folds)
    t0 = time.perf_counter()
    powers = compute_features(ds)
    print(f"features: {len(powers)} clips in {time.perf_counter() - t0:.1f} s", flush=True)
    targets = ds.targets()
    if args.phase == "eval":
        train_idx, val_idx = split_train_val(ds, val_folds=[4])
    else:
        train_idx, val_idx = list(range(len(powers))), []
    model = SoundNet(len(ds.labels))
    load_aisfx_trunk(model, args.aisfx)

    last = [0.0]

    def progress(p: Progress) -> None:
        now = time.perf_counter()
        if p.done == p.total or now - last[0] > 10:
            last[0] = now
            print(f"[{p.stage} {p.done}/{p.total}] {p.message}", flush=True)

    report = fit(
        model,
        [powers[i] for i in train_idx],
        targets[train_idx],
        [powers[i] for i in val_idx],
        targets[val_idx] if val_idx else None,
        cfg,
        progress,
        eval_every=2,
    )
    report.labels = list(ds.labels)
    summary = {
        "phase": args.phase,
        "train_folds": [1, 2, 3] if args.phase == "eval" else folds,
        "val_fold": 4 if args.phase == "eval" else None,
        "val_accuracy": report.val_accuracy,
        "seconds": report.seconds,
        "history": report.history,
        "config": cfg.__dict__,
        "labels": ds.labels,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    observers = calibrate_int8(model, calibration_specs([powers[i] for i in train_idx]))
    model_path = save_model_file(model, ds.labels, out / "model.pt", {
        "data": "ESC-50 folds " + ",".join(map(str, summary["train_folds"])),
        "val_fold4_accuracy": report.val_accuracy,
        "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen",
    }, script_int8_trunk(model, observers))
    if val_idx:
        save_head_file(model, ds.labels, out / VALIDATION_HEAD.name, {
            "data": "ESC-50 folds 1,2,3", "val_fold4_accuracy": report.val_accuracy,
            "trunk": "aiSFX 0.1.2 (CC BY 4.0), frozen",
        })
        summary.update(evaluate_windows(model_path, [ds.examples[i].path for i in val_idx],
                                        [ds.examples[i].label for i in val_idx]))
        (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    if report.confusion is not None:
        np.save(out / "confusion.npy", report.confusion)
        save_confusion_png(report.confusion, ds.labels, out / "confusion.png",
                           f"ESC-50 fold 4 (train folds 1-3): {100 * (report.val_accuracy or 0):.1f}%")
    print(json.dumps({k: v for k, v in summary.items() if k not in ("history", "labels", "config")}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
