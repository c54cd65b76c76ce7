"""Model cards: the markdown card and the confusion-matrix PNG written beside a trained model."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from exsampling_patch.takes import write_atomic
from exsampling_patch.wording import counted

from .features import FRONT_END, frame_rate
from .fitting import TrainReport
from .model_header import ModelFileError

__all__ = ["card_files", "remove_card_files", "save_confusion_png", "write_card_files", "write_model_card"]


def write_card_files(model: Path, report: TrainReport, data_description: str, *, yamnet: bool = False) -> Path:
    """Write the card (``<stem>.md``) and confusion matrix (``<stem>_confusion.png``) of the model file ``model``,
    written already (``yamnet``: it carries YAMNet); returns the card's path. On a full disk, a ModelFileError that
    names the card and says the model is kept: it ended in a traceback from matplotlib's or the card's write, the model
    written but not said."""
    card, png = card_files(model)
    try:
        drawn = None if report.confusion is None else save_confusion_png(report.confusion, report.labels, png)
        return write_model_card(card, report, data_description, drawn, yamnet=yamnet)
    except BaseException as error:
        remove_card_files(model)  # Ctrl+C too: an earlier model's card is not left to describe this one
        if not isinstance(error, OSError):
            raise
        why = error.strerror or "is the disk full?"
        raise ModelFileError(f"cannot write the model card {card} ({why}): the model file {model} is written and "
                             "used as it is; train again with room on the disk to have its card") from error


def card_files(model: Path) -> tuple[Path, Path]:
    """The card (``<stem>.md``) and confusion matrix (``<stem>_confusion.png``) written beside the model ``model``."""
    return model.with_suffix(".md"), model.with_name(model.stem + "_confusion.png")


def remove_card_files(model: Path) -> None:
    """Remove the card files beside ``model`` (those there are): the card of a model that ``model`` has replaced
    described the replaced one, its labels and its accuracy, beside the new model."""
    for stale in card_files(model):
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)


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
    try:
        # beside, then in its place: a full disk leaves no file cut short (the part's name says no format: out's)
        write_atomic(out, lambda part: fig.savefig(part, format=out.suffix[1:] or "png"), durable=False,
                     private=False)
    finally:
        plt.close(fig)
    return out


# The credit of the YAMNet a model carries beside its trunk (models/yamnet.py), in its card's Licences.
YAMNET_CREDIT = ("YAMNet (Google, Apache-2.0, "
                 "https://github.com/tensorflow/models/tree/master/research/audioset/yamnet), frozen, float16 weights.")


def _head_fit(report: TrainReport) -> dict[str, float] | None:
    """The record of the default fit (the head alone, on the frozen trunk: fitting's ``_fit_head``), else None."""
    history = report.history
    return history[0] if len(history) == 1 and "iterations" in history[0] else None


def _training_lines(report: TrainReport) -> list[str]:
    """What the training did: the head fit's iterations (it said "1 epoch" of them), or the epochs' table."""
    head_fit = _head_fit(report)
    if head_fit is not None:
        rows = int(head_fit["features"])
        crops = rows - report.n_train
        loss = "" if math.isnan(head_fit["loss"]) else f"; final loss {head_fit['loss']:.3f}"
        iterations = int(head_fit["iterations"])
        return [f"The trunk is frozen (the base model's weights, unchanged, in the base's int8 form, or one calibrated "
                f"on training examples where the base had none); only the linear head is fitted, by L2-regularised "
                f"softmax regression: {iterations} full-batch iterations on the trunk's pooled features of the "
                f"{report.n_train} training examples and {crops} crops of them ({rows} rows), in "
                f"{report.seconds:.0f} s{loss}."]
    lines = [
        f"{counted(len(report.history), 'epoch')} in {report.seconds:.0f} s.",
        "",
        "| epoch | loss | validation accuracy |",
        "| --- | --- | --- |",
    ]
    for h in report.history:
        acc = f"{100 * h['val_accuracy']:.1f}%" if "val_accuracy" in h else ""
        epoch = "0 (linear probe)" if int(h["epoch"]) == 0 else str(int(h["epoch"]))
        loss = "" if math.isnan(h["loss"]) else f"{h['loss']:.3f}"
        lines.append(f"| {epoch} | {loss} | {acc} |")
    return lines


def write_model_card(
    path: str | Path,
    report: TrainReport,
    data_description: str,
    confusion_png: str | Path | None = None,
    extra: str = "",
    *,
    yamnet: bool = False,
) -> Path:
    """Write a markdown card: data, preprocessing, accuracy, confusion matrix, training time, licences (YAMNet's
    too where ``yamnet``: the model carries it)."""
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
        f"Mix-down to mono, peak normalisation; at the take's own rate, Hann frames of about "
        f"{1000 * FRONT_END.frame_seconds:.1f} ms every {1000 * FRONT_END.hop_seconds:.1f} ms "
        f"({frame_rate():.1f} a second); the {FRONT_END.n_bands} HTK mel bands below {FRONT_END.fmax:.0f} Hz "
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
    lines += ["", "## Training", *_training_lines(report)]
    # The default fit leaves the trunk as it was: "(fine-tuned)" said otherwise of every card
    head_fit = _head_fit(report)
    changed = ("modified: stored in float16 and quantised to int8; not trained here (frozen), a new head is trained "
               "on them" if head_fit is not None else "modified (fine-tuned)")
    lines += [
        "",
        "## Licences",
        "The network's trunk descends from the aiSFX 0.1.2 checkpoint by A. B. Ma and A. Lerch (ISMIR 2022), "
        f"licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); these weights are {changed}. The "
        "licence of the training data is the data owner's.",
    ]
    if yamnet:  # the model file carries YAMNet's weights: its licence asks for the credit as the trunk's does
        lines += ["", YAMNET_CREDIT]
    if extra:
        lines += ["", extra]
    text = "\n".join(lines) + "\n"
    write_atomic(out, lambda part: part.write_text(text, encoding="utf-8"), durable=False, private=False)
    return out
