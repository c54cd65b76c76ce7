"""``exsampling train DATA``: fine-tune the classifier on a performer's own labelled takes."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from exsampling_patch.commands.arg_types import at_least
from exsampling_patch.wording import counted


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "train", help="train a classifier on your own takes",
        description="Fine-tune the classifier on labelled takes: DATA is a folder with one sub-folder per "
        "label (audio files inside), or a folder in ESC-50's layout (audio/ and meta/esc50.csv, or a CSV beside "
        "audio/). The data is checked before training starts; a share of each label is held out for validation. "
        "Writes the model file and, beside it, its card (.md) with the validation accuracy and a confusion matrix "
        "(PNG). Use the model with `.venv/bin/exsampling classify --model MODEL` or the classifier node's `model` "
        "parameter.",
    )
    parser.add_argument("data", metavar="DATA", help="folder of labelled takes")
    parser.add_argument("--out", default="my_model.pt", metavar="MODEL",
                        help="model file to write (.pt; default: my_model.pt in the current folder). A model there "
                        "already is replaced, with its card, as a note says before training; a file there that is "
                        "no model (a take, a patch), the shipped model, or a name whose card would replace a .md of "
                        "yours, is refused")
    # "model to start from" read as carrying on from an earlier training of one's own: only the frozen trunk is taken
    parser.add_argument("--base", default=None, metavar="MODEL",
                        help="model whose trunk (the part that is not trained) the new model is built on (default: "
                        "the shipped model), with its YAMNet where it carries one; its labels and what it learnt of "
                        "them are not kept: train on the takes of every label at once")
    parser.add_argument("--val", type=float, default=0.2, metavar="FRACTION",
                        help="share of each label held out for validation (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--threads", type=at_least(1), default=None, metavar="N",
                        help="CPU threads for the whole training (default: the fit on 2, the rest on all cores); "
                        "on a machine busy with other work, 1 can be faster")
    parser.set_defaults(func=run)


def slots_line(labels: list[str]) -> str:
    """Where the shipped slot table sends each label, and which labels it does not know (the slot map sends
    those to its ``unmapped`` output, or to its fallback, unless the patch's table names them)."""
    from exsampling_patch.registry import Registry

    # the built-in slot map with the shipped table (Any: the core knows node types only through the registry)
    shipped: Any = Registry.default(entry_points=False).get("slot_map")("slot_map", {})
    slots = dict(zip(labels, shipped.slots_for(labels), strict=True))
    known = [(label, slot) for label, slot in slots.items() if slot is not None]
    unknown = [label for label, slot in slots.items() if slot is None]
    line = "slots by the shipped table: " + (", ".join(f"{label} -> {slot}" for label, slot in known) or "none")
    if unknown:
        one = len(unknown) == 1  # "give them slots" of a label alone
        line += (f"; not in it: {', '.join(unknown)} (give {'it a slot' if one else 'them slots'} in the slot map's "
                 f"table, or {'it goes' if one else 'they go'} to its 'unmapped' output)")
    return line


def same_label_problem(labels: list[str]) -> str:
    """Which of ``labels`` (class folders) the slot map and the gate read as one label ('' if none): folders 'Kick'
    and 'kick' trained two classes that every table row sends to one slot, the gate judging each alone."""
    from exsampling_patch.registry import Registry

    # The slot map itself says which rows are one label: each label a row of its own number, the one that won
    # answering for all its spellings (case, spaces, '-' and '_' aside). Any: the core knows node types only so.
    matcher: Any = Registry.default(entry_points=False).get("slot_map")(
        "slot_map", {"base_table": "empty", "table": {label: str(n) for n, label in enumerate(labels)}})
    groups: dict[str | None, list[str]] = {}
    for label, row in zip(labels, matcher.slots_for(labels), strict=True):
        groups.setdefault(row, []).append(label)
    same = [group for group in groups.values() if len(group) > 1]
    if not same:
        return ""
    named = "; ".join(" and ".join(f"'{label}'" for label in group) for group in same)
    return (f"class folders {named} are one label to the slot map and the gate (case, spaces, '-' and '_' do not "
            "matter there): no table row could tell their takes apart. Put them in one folder, or name them apart")


def own_slots_line(labels: list[str]) -> str:
    """What becomes of ``labels`` named after one of the shipped table's slots (folders Snare/ and BD/) under a slot
    map of its own rows (``base_table: empty``): such a label goes to its slot without a row only once a row sends a
    label there. '' where no label is so named: printed on every training, the note suggested a row (``Bark: Bark``)
    that `exsampling check` refuses, Bark being no slot of the default sampler."""
    from exsampling_patch.registry import Registry

    # Any: the core knows node types only through the registry
    slot_map: Any = Registry.default(entry_points=False).get("slot_map")
    slots = {slot for slot in slot_map("slot_map", {}).slot_table().values() if slot}
    # a map of the slots' own names alone: it finds a label named after one as the slot map does (case aside)
    named: Any = slot_map("slot_map", {"base_table": "empty", "table": {slot: slot for slot in sorted(slots)}})
    rows = [(label, slot) for label, slot in zip(labels, named.slots_for(labels), strict=True) if slot is not None]
    if not rows:
        return ""
    one = len(rows) == 1
    written = ", ".join(f"{label}: {slot}" for label, slot in rows)
    return (f"with base_table: empty, {', '.join(label for label, _ in rows)} "
            f"{'goes to its slot' if one else 'go to their slots'} once the slot map's table sends any label there; "
            f"else give {'it a row' if one else 'each a row'} ({written})")


def held_out_line(takes: dict[str, int], val: float) -> str:
    """Which labels have too few takes for ``val`` to hold one out for validation ('' if none): with two takes a
    label at --val 0.2, none was held out, and the training ended in "validation accuracy n/a on 0 takes" with
    no word of why. ``takes``: each label's number of takes (recordings kept together), in label order."""
    from exsampling_patch.models.datasets import held_out_count  # as split_train_val holds out

    need = next(n for n in range(2, 10_000) if held_out_count(n, val) >= 1)
    few = [label for label, count in takes.items() if count < need]
    if not few:
        return ""
    if len(few) == len(takes):
        return (f"no take is held out for validation: each label needs {need} takes for --val {val:g} to hold one "
                "out, so the model's accuracy is not measured")
    return (f"{', '.join(few)}: too few takes to hold one out for validation ({need} needed at --val {val:g}): the "
            "accuracy is measured on the other labels alone")


def out_problem(out: Path) -> str:
    """Why the model file ``out`` cannot be written ('' if it can). A missing folder is not made here but as the
    training starts (:func:`missing_folders`): made at this check, a run refused after it or stopped left it empty."""
    from exsampling_patch.models.model_file import SHIPPED_MODEL, VALIDATION_HEAD, written_kind

    if out.resolve() in (SHIPPED_MODEL.resolve(), VALIDATION_HEAD.resolve()):
        # `--out models/sounds.pt` "to update the default" replaced the model every patch uses, past undoing
        # in an installed copy: a fine-tune on a few takes knows only their labels.
        return ("the shipped model, which every patch without a model of its own uses: write your own file "
                "(such as my_model.pt) and set the classifier's model parameter to it")
    if out.is_dir():
        return f"a folder: name the model file to write in it, such as {out / 'my_model.pt'}"
    card = out.with_suffix(".md")
    if card == out:  # `--out my_model.md` wrote the model, then its card over it: "wrote ... and its card", no model
        return f"the model's card is written beside it as a .md: name the model file .pt ({out.with_suffix('.pt')})"
    if out.is_file() and out.stat().st_size and written_kind(out) != "model":
        # `--out take.wav` replaced a take, a recording past undoing, with a model after a note "this training
        # replaces it": only a model (of an earlier training) is replaced; an empty file holds nothing to lose.
        instead = next((p for p in (out.with_suffix(".pt"), out.with_name(f"{out.stem}_model.pt"))
                        if p != out and not p.exists()), out.with_name("my_model.pt"))
        return (f"{_what_file(out)} is there, not a model file: training would replace it. Name a new file for the "
                f"model, such as {instead}")
    if card.is_file() and not _is_model_card(card):
        # `--out notes.pt` wrote its card over notes.md, a file of the user's own
        return f"its card would replace {card}, which is not a model card: name the model otherwise"
    folder = next((p for p in out.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        return f"{folder} is not a folder"
    if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
        if folder == out.parent:
            return f"its folder {out.parent} is not writable"
        return f"cannot make its folder {out.parent}: {folder} is not writable"
    return ""


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those above it that are not there (deepest first): made for the model, removed again when
    the run ends with nothing in them."""
    return [p for p in (folder, *folder.parents) if not p.exists()]


def out_note(out: Path) -> str:
    """What training into ``out`` replaces, where it is there already (retraining into one file is normal, so it is
    not refused; '' if nothing): the model of an earlier training, and its card, went without a word."""
    if not out.is_file():
        return ""
    card = out.with_suffix(".md")
    also = f" and its card {card}" if card.is_file() else ""
    return f"{out} is there already: this training replaces it{also} (give --out another name to keep it)"


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells the file at ``path`` from one put in its place (None if there is none)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def stopped_line(out: Path, before: tuple[int, int, int] | None) -> str:
    """What a training stopped (Ctrl+C) left at ``out``, whose :func:`file_stamp` was ``before`` at its start: the
    model is written whole or not at all, and a new one's card, unless written too, is removed with the old one."""
    now = file_stamp(out)
    if now is None:
        return "nothing was written"
    if now == before:
        return f"nothing was written: {out} is the model there before, as it was"
    card = out.with_suffix(".md")  # cards.card_files: not imported here, a Ctrl+C may have cut torch's import short
    if card.is_file():
        return f"{out} is the new model, written whole with its card {card}"
    return f"{out} is the new model, written whole, without its card (train again to have one)"


def stopped_in_import(error: BaseException) -> bool:
    """Whether ``error`` (an ImportError) is a stop (Ctrl+C, or SIGTERM, SIGHUP) that came during an import: pybind11
    makes a KeyboardInterrupt in an extension's initialisation (matplotlib's) an ImportError "initialization failed"
    raised from it, which ended in a traceback where the stop's line was due."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _what_file(path: Path) -> str:
    """What the file at ``path``, no model, is, in a few words ("an audio file (a take?)"), to say why it is kept."""
    from exsampling_patch.models.model_file import written_kind

    suffix = path.suffix.lower()
    if written_kind(path) == "head":
        return "a head file (a model's head alone)"
    if suffix in (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".aif", ".aiff", ".caf", ".opus", ".webm", ".w64"):
        return "an audio file (a take?)"
    if suffix in (".yaml", ".yml"):
        return "a YAML file (a patch?)"
    if suffix == ".pt":
        return "a .pt file that does not read as a model (damaged, or another program's)"
    return "a file of another kind"


def _is_model_card(path: Path) -> bool:
    """Whether ``path`` is a card an earlier training wrote (its first line '# Model card: ...'), to be replaced."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            return file.readline().startswith("# Model card: ")
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    before = file_stamp(Path(args.out))
    came: list[int] = []

    def stop(signum: int, frame: object) -> None:
        came.append(signum)
        raise KeyboardInterrupt

    # SIGTERM, SIGHUP (its terminal closed) stop it as Ctrl+C does: killed mid-write, it left a part-written file of
    # megabytes beside the model, and no word. Signals are set in the main thread only (the command runs in tests).
    # One ignored already is left so: `nohup exsampling train` over ssh ended with exit 129 at logout.
    signals = (signal.SIGTERM, signal.SIGHUP) if threading.current_thread() is threading.main_thread() else ()
    previous = {sig: signal.signal(sig, stop) for sig in signals if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        try:
            return _train(args)
        except ImportError as error:
            if not stopped_in_import(error):
                raise
            raise KeyboardInterrupt from error
    except KeyboardInterrupt:  # Ctrl+C ended it without a word: was the model there replaced, or kept?
        with contextlib.suppress(OSError):  # a closed terminal's stderr
            print(f"stopped: {stopped_line(Path(args.out), before)}", file=sys.stderr)
        return 128 + came[0] if came else 130  # as a shell reports the signal
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _train(args: argparse.Namespace) -> int:
    try:  # the `train` extra: not everyone who plays a patch trains models
        import matplotlib  # the model card's confusion matrix

        # All the card step draws with, imported now: first imported there, once the model was written, a Ctrl+C
        # during the import ended twice in a traceback ("ImportError: initialization failed"), not the stop's line.
        matplotlib.use("Agg", force=False)  # as cards.save_confusion_png
        import matplotlib.backends.backend_agg
        import matplotlib.pyplot
        from tqdm import tqdm
    except ImportError as error:
        if stopped_in_import(error):  # a stop, told as one by run: not the extra missing ("needs None")
            raise
        print(f"error: exsampling train needs {error.name}: .venv/bin/pip install 'exsampling-patch[train]'",
              file=sys.stderr)
        return 2

    from exsampling_patch.models.cards import card_files
    from exsampling_patch.models.classifier import ModelFileError, load_model_file
    from exsampling_patch.models.train import DataError, Progress, TrainConfig, load_dataset, train_folder
    from exsampling_patch.takes import remove_dead_parts

    if not 0.0 < args.val < 1.0:
        # "between 0 and 1" of a --val 0 (all takes trained on) read as allowing it
        print(f"error: --val {args.val:g}: the share of each label's takes held out for validation must be above 0 "
              "and below 1 (default 0.2: one take in five)", file=sys.stderr)
        return 2
    try:
        dataset = load_dataset(args.data)  # checks every file before anything is trained
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    same = same_label_problem(dataset.labels)
    if same:  # before the training: a model of such labels is never what was meant
        print(f"error: {same}", file=sys.stderr)
        return 2
    if dataset.skipped:  # a phone's M4A beside the WAV takes was left out without a word
        kinds = sorted({p.suffix.lower() or "(no suffix)" for p in dataset.skipped})
        print(f"note: {counted(len(dataset.skipped), 'file')} of a kind not read left "
              f"out ({', '.join(kinds)}), such as {dataset.skipped[0]}", file=sys.stderr)
    if dataset.ignored:  # a Mac zip's __MACOSX/ was refused as a class folder with no audio
        names = ", ".join(f"{p.name}/" for p in dataset.ignored)
        print(f"note: {names} in {dataset.root} left out: a Mac zip's __MACOSX/ and hidden folders are no label",
              file=sys.stderr)
    refused = out_problem(Path(args.out))  # before the training: it wrote the model only after it
    if refused:
        print(f"error: --out {args.out}: {refused}", file=sys.stderr)
        return 2
    out = Path(args.out)
    leftovers = remove_dead_parts(out.parent, (out.name, *(p.name for p in card_files(out))))
    if leftovers:  # a training killed mid-write (SIGKILL, a power cut) left megabytes hidden there, never removed
        print(f"note: removed {counted(len(leftovers), 'part-written file')} that a training stopped mid-write left: "
              f"{', '.join(p.name for p in leftovers)}", file=sys.stderr)
    replaced = out_note(Path(args.out))  # before the training, so that a file meant to be kept can still be
    if replaced:
        print(f"note: {replaced}", file=sys.stderr)
    print(f"{len(dataset.examples)} takes, {len(dataset.labels)} labels: {', '.join(dataset.labels)}",
          file=sys.stderr)
    print(slots_line(dataset.labels), file=sys.stderr)
    own = own_slots_line(dataset.labels)
    if own:
        print(f"note: {own}", file=sys.stderr)
    groups = {label: len({e.group for e in dataset.examples if e.label == label}) for label in dataset.labels}
    unmeasured = held_out_line(groups, args.val)
    if unmeasured:  # before the training: more takes can still be recorded
        print(f"note: {unmeasured}", file=sys.stderr)
    if args.base is not None:  # "model file not found: old.pt" named no option; read again by the training
        try:
            load_model_file(args.base)
        except ModelFileError as error:
            print(f"error: --base {args.base}: {error}", file=sys.stderr)
            return 2
    bars: dict[str, Any] = {}

    def progress(report: Progress) -> None:
        bar = bars.get(report.stage)
        if bar is None:
            for other in bars.values():
                other.close()
            bar = bars[report.stage] = tqdm(total=report.total, desc=report.stage, unit="step", file=sys.stderr)
        bar.n = report.done
        if report.metrics:
            bar.set_postfix({k: f"{v:.3f}" for k, v in report.metrics.items()}, refresh=False)
        bar.refresh()

    # A new head on the base model's frozen trunk: what suits a handful of takes per label, in seconds.
    config = TrainConfig(seed=args.seed) if args.threads is None else TrainConfig(seed=args.seed, threads=args.threads)
    import torch

    threads = torch.get_num_threads()  # given back after: the command also runs inside other programs (tests)
    if args.threads is not None:  # the features (and a fine-tune's int8 calibration) too, not only the fit
        torch.set_num_threads(args.threads)
    made: list[Path] = []
    try:
        made += missing_folders(out.parent)  # before they are made: a stop between leaves none unknown
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ModelFileError(f"--out {args.out}: cannot make its folder {out.parent}: "
                                 f"{error.strerror or error}") from error
        report = train_folder(args.data, args.out, base_model=args.base, config=config, val_fraction=args.val,
                              progress=progress)
    except (DataError, ModelFileError) as error:
        failed: Exception | None = error
    else:
        failed = None
    finally:
        for folder in made:  # those the model went into are not empty: kept
            with contextlib.suppress(OSError):
                folder.rmdir()
        torch.set_num_threads(threads)
        for bar in bars.values():
            bar.close()
    if failed is not None:  # after the bars: the error was written into the middle of the last one
        print(f"error: {failed}", file=sys.stderr)
        return 2
    accuracy = "n/a" if report.val_accuracy is None else f"{report.val_accuracy:.1%}"
    print(f"wrote {report.model_path} (validation accuracy {accuracy} on {report.n_val} takes, "
          f"{report.seconds:.0f} s) and its card {report.card_path}")
    # The end of a first training is where a newcomer asks what now: the two ways in, with this model's path.
    print(f"use it: .venv/bin/exsampling classify --model {shlex.quote(str(report.model_path))} FILE..., or in a "
          f"patch the classifier node's parameter model: {report.model_path}")
    return 0
