"""Training and fine-tuning of the classifier: :func:`train_folder`, and the names of its parts.

Used by ``exsampling train`` (a composer's own labelled takes); the shipped model is built by
``models/train_sounds.py``. The parts:
``datasets`` (data sets, validation of data, features), ``fitting`` (the training loop; ``whole_inputs``: whole
takes through the network at their own length), ``cards`` (model
cards and confusion matrices), ``progress`` (progress reports); their public names are re-exported here.

Typical use::

    from exsampling_patch.models.train import train_folder
    report = train_folder("my_takes/", "my_model.pt", progress=lambda p: print(p.message))

A data set is either a folder with one sub-folder per label (audio files inside, any format that soundfile
reads, any rate, mono or multichannel) or a folder in ESC-50's layout (``esc50.csv`` beside ``audio/``).
:func:`load_dataset` validates everything before any training starts and raises :class:`DataError`
naming the faulty folder or file.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .cards import card_files, remove_card_files, save_confusion_png, write_card_files, write_model_card
from .datasets import (
    AUDIO_EXTENSIONS,
    DataError,
    Dataset,
    Example,
    compute_features,
    load_dataset,
    split_train_val,
)
from .features import CLASSIFIED_SECONDS
from .fitting import (
    TrainConfig,
    TrainReport,
    augmented_features,
    calibration_indices,
    calibration_specs,
    confusion_matrix,
    fit,
    init_head,
    pooled_features,
    predict_logits,
    trunk_maps,
)
from .model_header import ModelFileError
from .network import Head, SoundNet, calibrate_int8, script_int8_trunk
from .progress import Progress, ProgressCallback
from .take_yamnet import yamnet_beside
from .yamnet import FEATURE_SIZE

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from .model_file import LoadedModel

__all__ = [
    "AUDIO_EXTENSIONS",
    "DataError",
    "Dataset",
    "Example",
    "Progress",
    "ProgressCallback",
    "TrainConfig",
    "TrainReport",
    "augmented_features",
    "calibration_indices",
    "calibration_specs",
    "compute_features",
    "confusion_matrix",
    "fit",
    "init_head",
    "load_dataset",
    "pooled_features",
    "predict_logits",
    "save_confusion_png",
    "split_train_val",
    "train_folder",
    "trunk_maps",
    "write_model_card",
]


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
            suits few examples per class (10 or fewer) and takes seconds. On a base that carries YAMNet, the head
            reads each take's YAMNet features too, and the model file carries the base's YAMNet
            (:mod:`.take_yamnet`); fine-tuning the trunk (``freeze_trunk=False``) is refused there.
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
    _check_base(base, cfg)
    model = SoundNet(len(dataset.labels))
    model.trunk.load_state_dict(base.model.trunk.state_dict())
    beside = None
    if base.yamnet is not None:  # the head reads [aiSFX pooled | scale * YAMNet], as the base's did
        model.head = Head(model.feature_dim + FEATURE_SIZE, len(dataset.labels))
        beside = yamnet_beside(base.yamnet, [dataset.examples[i] for i in train_idx],
                               [dataset.examples[i] for i in val_idx], progress)
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
        beside=beside,
    )
    report.labels = list(dataset.labels)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)

    def saving(done: int, what: str) -> None:
        # a stage of its own: seconds of int8 calibration (a fine-tune's) and writing went on under the evaluate bar
        if progress is not None:
            progress(Progress("save", done, 3, what))

    int8_trunk = _int8_trunk(model, base, cfg, [powers[i] for i in train_idx], saving)
    meta = {"config": asdict(cfg), "data": str(dataset.root), "val_accuracy": report.val_accuracy,
            "yamnet": base.yamnet is not None,
            # the span its takes' features were computed on (compute_features, yamnet_beside): check and the node
            # warn where a patch scores another
            "span_seconds": CLASSIFIED_SECONDS}
    saving(1, f"writing {out_path}")
    yamnet = f", beside its YAMNet's features (frozen, at scale {base.yamnet.scale:g})" if base.yamnet else ""
    desc = (f"{len(dataset.examples)} files from `{dataset.root}`; {report.n_val} held out for validation "
            f"(stratified by label, files of one group kept together). "
            f"{'A new head on the frozen trunk of' if cfg.freeze_trunk else 'Fine-tuned from'} "
            f"{'the shipped model' if base_model is None else base_model}{yamnet}.")
    before = _file_stamp(out_path)
    try:  # from before the model's write: a Ctrl+C as its rename returned came before a try after it
        # the base's YAMNet as it is: its weights, features and scale are what the head was fitted on
        save_model_file(model, dataset.labels, out_path, meta, int8_trunk, base.yamnet)
        saving(2, f"writing its card {card_files(out_path)[0]}")
        report.card_path = write_card_files(out_path, report, desc, yamnet=base.yamnet is not None)
    except BaseException:
        # Ctrl+C once the new model was in place left beside it the card of the model it replaced: wrong labels,
        # wrong accuracy. Stopped before, the model there and its card are kept.
        if _file_stamp(out_path) != before:
            remove_card_files(out_path)
        raise
    saving(3, "written")
    report.model_path = out_path
    return report


def _int8_trunk(model: SoundNet, base: LoadedModel, cfg: TrainConfig, train_powers: list[np.ndarray],
               saving: Callable[[int, str], None]) -> bytes:
    """The int8 trunk for the new model file: the base's own where the trunk is frozen (the very same weights), else
    one calibrated on the training takes. The head is fitted on the float trunk's features, so it does not depend on
    the calibration; the base's was calibrated on broad takes (the shipped model's), a better set than a handful of a
    composer's, and calibrating and scripting again took 2.3 s of a tiny run's 5.9."""
    if cfg.freeze_trunk and base.int8_trunk:
        saving(0, "the base model's int8 trunk")
        return base.int8_trunk
    saving(0, "int8 calibration")
    return script_int8_trunk(model, calibrate_int8(model, calibration_specs(train_powers)))


def _check_base(base: LoadedModel, cfg: TrainConfig) -> None:
    """ModelFileError, before any work, for what is not done on a base that carries YAMNet: fine-tuning the trunk
    (its batches of crops, masks and mixup have no YAMNet features; a new head on the frozen trunk reads them)."""
    if base.yamnet is not None and not cfg.freeze_trunk:
        raise ModelFileError(f"--base {base.path} carries YAMNet, and the trunk is fine-tuned (freeze_trunk=False) "
                             "on the aiSFX trunk's features alone: the new model would drop YAMNet. Train a new head "
                             "on the frozen trunk (freeze_trunk=True, the default, as `exsampling train` does), or "
                             "start from a model without YAMNet")


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells the file at ``path`` from one put in its place (None if there is none)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
