"""Training data sets: find, list and validate labelled audio, split it, and compute its features.

A data set is either a folder with one sub-folder per label (audio files inside, any format that soundfile
reads, any rate, mono or multichannel) or a folder in ESC-50's layout (``esc50.csv`` beside ``audio/``).
:func:`load_dataset` validates everything before any training starts and raises :class:`DataError`
naming the faulty folder or file.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from exsampling_patch.wording import counted

from .features import CLASSIFIED_SECONDS, analyse, loudest_span, to_mono
from .progress import Progress, ProgressCallback

__all__ = [
    "AUDIO_EXTENSIONS",
    "DataError",
    "Dataset",
    "Example",
    "analysed_span",
    "compute_features",
    "held_out_count",
    "load_dataset",
    "split_train_val",
]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".aiff", ".aif", ".mp3")
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
    #: Files in the class folders of a kind not read (a phone's M4A beside WAV takes): left out, to be told.
    skipped: list[Path] = field(default_factory=list)
    #: Folders that are no label (a Mac zip's __MACOSX/, hidden ones such as .git/): left out, to be told.
    ignored: list[Path] = field(default_factory=list)

    def targets(self) -> np.ndarray:
        """Integer class index of every example (index into :attr:`labels`)."""
        index = {label: i for i, label in enumerate(self.labels)}
        return np.array([index[e.label] for e in self.examples], dtype=np.int64)

    def subset(self, indices: Sequence[int]) -> Dataset:
        """The examples at ``indices``, with the same label list."""
        return Dataset([self.examples[i] for i in indices], list(self.labels), self.root)




def _unusable(path: Path) -> str:
    """Why the audio file at ``path`` cannot be trained on, from its header; '' if it can."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as exc:  # soundfile raises several types; all mean "cannot read"
        if path.stat().st_size == 0:  # an upload or a copy that failed: "Format not recognised" hid that
            return "an empty file (0 bytes)"
        return _unreadable(path, exc)
    return "no samples" if info.frames <= 0 else ""


def _unreadable(path: Path, exc: Exception) -> str:
    """Why soundfile could not read ``path``, in the words classify and the folder source use for a file that is
    no audio ("unreadable (Format not recognised.)" read as a damaged take), a phone's recording named as one."""
    from exsampling_patch.phone_formats import convert_hint, sndfile_why, unreadable_recording

    kind = unreadable_recording(path)
    if kind:
        return convert_hint(path, kind)
    why = sndfile_why(exc)
    if why.startswith("not an audio file"):
        return why
    # libsndfile's text repeats the path ("Error opening '...': ..."): its reason only
    return f"unreadable ({str(exc).rpartition(': ')[2] or exc})"


def _nothing_to_learn(path: Path) -> str:
    """Why the samples of a performer's take teach the classifier nothing ('' if they do): damaged (NaN or infinite
    samples), or what the classifier never scores, too short or silent. Such a take was trained on as its label
    without a word (its features all zero)."""
    import soundfile as sf

    from exsampling_patch.takes import UnusableAudio, check_audio

    from .classifier import Classifier

    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
        check_audio(samples)
    except UnusableAudio as exc:
        return str(exc)
    except Exception as exc:  # readable header, body cut short: soundfile raises several types
        return _unreadable(path, exc)
    why = Classifier.unscored(to_mono(samples), int(rate))
    return "" if why is None else f"{why.found} (the classifier scores {why.scored})"


def _readable(path: Path) -> None:
    why = _unusable(path)
    if why:
        raise DataError(f"audio file not usable: {path}: {why}")


#: How many unusable files a refusal lists one by one (the rest are counted).
_LISTED = 20


def _refuse_unusable(unusable: Sequence[tuple[Path, str]]) -> None:
    """Raise a DataError naming every file that cannot be trained on, so that one run finds them all: a folder of
    takes with three broken files took three runs, each naming the next."""
    if not unusable:
        return
    count = len(unusable)
    lines = [f"{counted(count, 'audio file')} cannot be trained on (remove or replace "
             f"{'them' if count != 1 else 'it'}, then train again):"]
    lines += [f"  {path}: {why}" for path, why in unusable[:_LISTED]]
    if count > _LISTED:
        lines.append(f"  and {count - _LISTED} more")
    raise DataError("\n".join(lines))


def _not_a_label(name: str) -> bool:
    """Whether a folder or file named ``name`` is none of the takes: hidden (.git) or a Mac zip's __MACOSX, whose
    folder was read as a class and refused as "class folder has no audio files" (its ._ files are no audio)."""
    return name.startswith(".") or name == "__MACOSX"


def _dataset_from_folder(root: Path, check_files: bool) -> Dataset:
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    class_dirs = [p for p in folders if not _not_a_label(p.name)]
    ignored = [p for p in folders if _not_a_label(p.name)]
    loose = sum(1 for p in root.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
    # A recorder's take folder (takes beside a damaged/ folder) was "only one class ('damaged')", of takes not read.
    not_read = (f" ({counted(loose, 'audio file')} directly in {root}, not read: move each take into "
                "the sub-folder of its label)") if loose else ""
    if not class_dirs:
        raise DataError(f"no class folders in {root}: expected one sub-folder of audio files per label{not_read}")
    if len(class_dirs) < 2 and not_read:  # before its files are checked: a damaged/ folder holds broken ones
        raise DataError(f"only one class ({class_dirs[0].name!r}) in {root}: a classifier needs at least two{not_read}")
    if len(class_dirs) == 1:
        _refuse_a_level_too_high(root, class_dirs[0])
    examples: list[Example] = []
    skipped: list[Path] = []
    unusable: list[tuple[Path, str]] = []
    for d in class_dirs:
        files = sorted(
            p for p in d.rglob("*") if p.is_file() and not any(_not_a_label(n) for n in p.relative_to(d).parts)
        )
        audio = [p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
        if not audio:
            raise DataError(f"class folder has no audio files: {d}{_not_read(files)}")
        skipped += [p for p in files if p.suffix.lower() not in AUDIO_EXTENSIONS]
        for p in audio:
            why = (_unusable(p) or _nothing_to_learn(p)) if check_files else ""
            if why:
                unusable.append((p, why))
            examples.append(Example(p, d.name, f"{d.name}/{p.stem}"))
    _refuse_unusable(unusable)
    return Dataset(examples, [d.name for d in class_dirs], root, skipped, ignored)


def _refuse_a_level_too_high(root: Path, only: Path) -> None:
    """Refuse ``root`` whose one folder ``only`` holds the label folders (`exsampling train my_project` of
    my_project/takes/Kick/...): that read as "only one class ('takes')", once every take was checked."""
    labels = sorted(p.name for p in only.iterdir() if p.is_dir() and not _not_a_label(p.name)
                    and any(f.suffix.lower() in AUDIO_EXTENSIONS for f in p.rglob("*") if f.is_file()))
    if len(labels) >= 2:
        shown = ", ".join(labels[:4]) + (", ..." if len(labels) > 4 else "")
        # "if": Kick/ of session folders is one label too
        raise DataError(f"only one class ({only.name!r}) in {root}: a classifier needs at least two; if the "
                        f"sub-folders of {only} ({shown}) are the labels, give {only} as the data")


def _not_read(files: Sequence[Path]) -> str:
    """The files of a class folder that are not read, by kind, and what to do: "(2 non-audio files)" of a folder
    of a phone's M4A takes did not say they were audio of a kind not read."""
    if not files:
        return ""
    kinds = sorted({p.suffix.lower() or "(no suffix)" for p in files})
    text = (f" ({counted(len(files), 'file')} of a kind not read: {', '.join(kinds)}; read are "
            f"{', '.join(AUDIO_EXTENSIONS)}")
    recordings = [p for p in files if p.suffix.lower() in _CONVERTIBLE]
    if recordings:
        text += f": convert the others, e.g. ffmpeg -i {recordings[0].name} {recordings[0].stem}.wav"
    return text + ")"


#: Recordings that phones and browsers make, which libsndfile does not read: ffmpeg converts them.
_CONVERTIBLE = (".m4a", ".aac", ".mp4", ".amr", ".3gp", ".webm", ".caf", ".wma")


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
            single ``*.csv`` with columns filename, fold, category, beside ``audio/`` or in ``meta/`` as ESC-50's
            own checkout has it), or that CSV file.
        folds: ESC-50 layout only: keep these folds (default all).
        check_files: open every file's header to catch unreadable files now rather than mid-training; in a
            folder data set (a performer's takes) also read its samples, to refuse damaged, too short and silent
            takes (all named at once).

    Raises:
        DataError: missing folder, no class folders, an empty class folder, an unreadable or missing file,
            or fewer than two classes. The message names the folder or file.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"data not found: {p}")
    if p.is_file() and p.suffix.lower() == ".csv":
        # ESC-50's own checkout keeps its CSV in meta/, beside audio/ one level up.
        up = p.parent.name == "meta" and not (p.parent / "audio").is_dir() and (p.parent.parent / "audio").is_dir()
        ds = _dataset_from_esc50(p.parent.parent if up else p.parent, p, folds, check_files)
    elif p.is_dir():
        # The CSV beside audio/, or in meta/ as ESC-50's own checkout has it (meta/esc50.csv): that folder read
        # as one of label folders made 'meta' a label with no audio.
        csvs = sorted(p.glob("*.csv")) or sorted((p / "meta").glob("*.csv"))
        if csvs and (p / "audio").is_dir():
            csv_path = next((c for c in csvs if c.name == "esc50.csv"), csvs[0])
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
        n_val = held_out_count(len(keys), val_fraction)
        for k_i, k in enumerate(keys):
            (val if k_i < n_val else train).extend(groups[k])
    return sorted(train), sorted(val)


def held_out_count(groups: int, val_fraction: float) -> int:
    """How many of a label's ``groups`` (recordings kept together) :func:`split_train_val` holds out for
    validation: ``round(groups * val_fraction)``, always leaving one to train on (none of a single one)."""
    return min(round(groups * val_fraction), groups - 1) if groups > 1 else 0


def _load_audio(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise DataError(f"unreadable audio file: {path} ({exc})") from exc
    return to_mono(data), int(sr)


def trimmed(mono: np.ndarray, rate: int) -> np.ndarray:
    """The take as the default patch's trim node passes it on (its defaults: 60 dB below the loudest frame, no pad,
    at least 30 ms); all of it where nothing stands above the level (the node drops such a take; a folder data set
    refuses it first)."""
    from exsampling_patch.nodes.processing import TRIM_DB, trim_bounds, trim_cut

    start, end = trim_bounds(mono, rate, TRIM_DB)
    if end <= start:
        return mono
    start, end = trim_cut(mono.size, rate, start, end)
    return mono[start:end]


def analysed_span(path: Path, max_seconds: float | None = CLASSIFIED_SECONDS) -> tuple[np.ndarray, int]:
    """The mono samples of ``path`` that its features are computed from, and their rate: the file trimmed as the
    default patch trims a take (:func:`trimmed`), then its loudest ``max_seconds`` (None or 0: all of it), the span
    the classifier node scores of that take by default. The trunk's features (:func:`compute_features`) and
    YAMNet's (:mod:`.take_yamnet`) are both computed from it."""
    y, sr = _load_audio(path)
    y = trimmed(y, sr)
    first, last = loudest_span(y, sr, max_seconds or 0.0)
    return y[first:last], sr


def compute_features(
    dataset: Dataset,
    progress: ProgressCallback | None = None,
    max_seconds: float | None = CLASSIFIED_SECONDS,
) -> list[np.ndarray]:
    """Peak-normalised mel power ``(frames, bands)`` of every example, at its own rate (``features.analyse``).

    Each is trimmed as the default patch trims a take, and keeps its loudest ``max_seconds`` (:func:`analysed_span`).
    """
    out: list[np.ndarray] = []
    n = len(dataset.examples)
    for i, e in enumerate(dataset.examples):
        out.append(analyse(*analysed_span(e.path, max_seconds)))
        if progress is not None:
            progress(Progress("features", i + 1, n, f"features {i + 1}/{n}: {e.path.name}"))
    return out
