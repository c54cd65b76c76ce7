"""Training data of the sound classifier's head: pooled trunk features of ESC-50 clips and musical one-shots.

Each part of the data (an ESC-50 fold, a musical source) becomes a :class:`FeatureSet` cached under
``<cache>/features``: the frozen trunk's pooled maps of every clip, crop and augmented phone take, computed with
the int8 trunk that ships, so that the head learns exactly what the classifier computes at run time. Every take
is trimmed as the default patch trims (:func:`trim`) and analysed as the classifier node analyses (:func:`take_power`).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import torch

from exsampling_patch.nodes.processing import TRIM_DB, trim_bounds

from .augment import PhoneTakeConfig, phone_take
from .classifier import load_model_file
from .datasets import _load_audio, load_dataset
from .features import CLASSIFIED_SECONDS, analyse, compress, loudest_span
from .fitting import augmented_features, calibration_specs, trunk_maps
from .model_file import trunk_fingerprint
from .musical import SOURCES
from .network import STEP_FRAMES, SoundNet, calibrate_int8, load_int8_trunk, read_tuned_trunk, script_int8_trunk
from .oneshots import build, oneshot_folder

__all__ = ["AMBIENT_NOISE", "ANALYSIS", "CALIBRATION_FOLDS", "CALIBRATION_SOURCES", "CROP_SECONDS", "DEFAULT_SEED",
           "ESC50_CROPS", "ESC50_PHONE_TAKE", "FeatureSet", "Plan", "Take", "cache_key", "cached_parts",
           "calibration_files", "esc50_features", "esc50_phone_features", "esc50_phone_takes", "features",
           "features_current", "features_of_trunk", "int8_key", "int8_trunk", "load_parts", "noise_bank",
           "older_records", "oneshot_features", "oneshot_takes", "part_key", "part_plans", "pooled", "source_noises",
           "take_power", "take_span", "trim", "trunk_model"]

AMBIENT_NOISE = ("rain", "wind", "sea_waves", "crackling_fire", "airplane", "train", "engine", "crickets",
                 "vacuum_cleaner", "washing_machine")
"""ESC-50 classes whose clips (:func:`noise_bank`) serve as background noise under phone takes."""
AUGMENTED_COPIES = 2
ESC50_PHONE_COPIES = 2
ESC50_PHONE_TAKE = PhoneTakeConfig(crop_probability=0.0, pre_roll_seconds=0.1, noise_probability=0.5)
"""Phone takes of ESC-50 clips: whole (their crops are made from the trunk's maps), less often under noise (many
are outdoor recordings already)."""
ESC50_CROPS = 4
CROP_SECONDS = (1.0, 2.5)
"""Each ESC-50 clip's energy-weighted crops: how many, and their range of lengths."""
CALIBRATION_FOLDS = (1, 2, 3)
"""The ESC-50 folds whose clips the int8 activation ranges are measured on (the aiSFX trunk's and YAMNet's):
not fold 4, on which the validation head is scored (its clips were among them until 7 Dec, fourth session)."""
CALIBRATION_SOURCES = ("a320u", "drumsynth", "fluidr3", "generaluser", "lmms", "musescore", "sf_gmbank", "timgm6mb",
                       "tonejs")
"""The musical sources whose one-shots the int8 ranges are measured on: those of 7 Dec, so that a source added later
(its one-shots among those drawn) does not move the int8 trunk and with it every cached feature."""
MAX_SECONDS = CLASSIFIED_SECONDS
"""As the classifier node scores takes: the loudest :data:`~.features.CLASSIFIED_SECONDS`."""
DEFAULT_SEED = 0
"""``train_sounds --seed`` unless told: the seed of every part, and of the int8 trunk's calibration, cached before
their records named their seed."""
ANALYSIS = ("2026-12-05: DC offset removed before analysis; trim levels measured around each frame's mean; "
            "2026-12-07: the loudest 3.84 s")
"""What the trim and the front end compute, for the feature cache's key: change it with any change to
:func:`trim` or :func:`~.features.analyse` that alters a feature, so that cached features computed the old way
are computed again rather than trained on."""


Take = tuple[np.ndarray, int, str, str, str]
"""A take as the default patch trims it, its rate, label, group and kind: one row of a part's features."""


@dataclass(frozen=True)
class Plan:
    """A part of :func:`features`, and what its cached features must have been drawn with to be used."""

    name: str
    key: str
    """The record of the draw (:func:`part_key`), written beside the part's features."""
    older: tuple[str | None, ...]
    """Records from before parts recorded their seed and copies, accepted too (:func:`older_records`)."""
    compute: Callable[[], FeatureSet]


@dataclass
class FeatureSet:
    """Pooled trunk features of one part of the data, with a label, group and kind for each row; and, where
    :func:`~.yamnet_features.attach_yamnet` gave them, YAMNet's features of the same rows (saved apart)."""

    feats: torch.Tensor
    labels: list[str]
    groups: list[str]
    kinds: list[str]
    """``whole`` (an ESC-50 clip), ``crop`` (a crop of one), ``clean`` (a one-shot as rendered) or ``phone``."""
    yamnet: torch.Tensor | None = None

    def inputs(self, yamnet_scale: float = 0.0) -> torch.Tensor:
        """What a head reads: the trunk's features alone (``yamnet_scale`` 0), or ``[feats | yamnet_scale *
        yamnet]``, the layout of a head on both."""
        if not yamnet_scale:
            return self.feats
        if self.yamnet is None:
            raise ValueError("these features have no YAMNet features beside them (train_sounds --yamnet)")
        return torch.cat([self.feats, yamnet_scale * self.yamnet], dim=1)

    def save(self, path: Path) -> None:
        torch.save({"feats": self.feats.half(), "labels": self.labels, "groups": self.groups,
                    "kinds": self.kinds}, path)

    @staticmethod
    def load(path: Path) -> FeatureSet:
        blob = torch.load(path, weights_only=True)
        return FeatureSet(blob["feats"].float(), blob["labels"], blob["groups"], blob["kinds"])

    @staticmethod
    def concat(parts: Sequence[FeatureSet]) -> FeatureSet:
        yamnets = [p.yamnet for p in parts]
        yamnet = torch.cat([y for y in yamnets if y is not None]) if all(y is not None for y in yamnets) else None
        return FeatureSet(torch.cat([p.feats for p in parts]), [x for p in parts for x in p.labels],
                          [x for p in parts for x in p.groups], [x for p in parts for x in p.kinds], yamnet)

    def select(self, keep: Sequence[bool]) -> FeatureSet:
        idx = [i for i, k in enumerate(keep) if k]
        return FeatureSet(self.feats[idx], [self.labels[i] for i in idx], [self.groups[i] for i in idx],
                          [self.kinds[i] for i in idx], None if self.yamnet is None else self.yamnet[idx])


def trim(mono: np.ndarray, rate: int, top_db: float = TRIM_DB) -> np.ndarray:
    """The sound as the default patch's trim node keeps it (:func:`~exsampling_patch.nodes.processing.trim_bounds`
    from the loudest frame, at the node's default level); all of it when nothing stands above the threshold. Not
    lengthened to the node's 30 ms minimum (``trim_cut``): a sound shorter is padded with silence by
    :func:`take_power` instead, and lengthening it would change cached features (and :data:`ANALYSIS`)."""
    start, end = trim_bounds(mono, rate, top_db)
    return mono[start:end] if end > start else mono


def take_span(mono: np.ndarray, rate: int) -> np.ndarray:
    """What the classifier hears of a take: its loudest :data:`MAX_SECONDS`."""
    first, last = loudest_span(mono, rate, MAX_SECONDS)
    return mono[first:last]


def take_power(mono: np.ndarray, rate: int) -> np.ndarray:
    """What the classifier analyses of a take: its loudest :data:`MAX_SECONDS`, as mel power, at least one trunk step
    long."""
    power = analyse(take_span(mono, rate), rate)
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


def _pooled_takes(model: SoundNet, takes: Iterator[Take]) -> FeatureSet:
    """The trunk's pooled features of each take, one at a time analysed (a source's takes would fill gigabytes)."""
    powers, labels, groups, kinds = [], [], [], []
    for take, rate, label, group, kind in takes:
        powers.append(take_power(take, rate))
        labels.append(label)
        groups.append(group)
        kinds.append(kind)
    return FeatureSet(pooled(model, powers), labels, groups, kinds)


@cache
def noise_bank(data: Path, rate: int, per_class: int = 8) -> tuple[np.ndarray, ...]:
    """Background noises at ``rate``: the first ``per_class`` ESC-50 clips of each :data:`AMBIENT_NOISE` class
    (with 8, fold 1's: fold 4, on which the validation head is scored, never lies under a training take).
    Read once a rate, for every part that needs them."""
    from scipy.signal import resample_poly

    ds = load_dataset(data, folds=[1, 2, 3, 4], check_files=False)
    noises = []
    for label in AMBIENT_NOISE:
        for example in [e for e in ds.examples if e.label == label][:per_class]:
            y, sr = _load_audio(example.path)
            noises.append(resample_poly(y, rate, sr).astype(np.float32) if sr != rate else y)
    return tuple(noises)


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
        feats, _ = augmented_features(model, maps[i : i + 1], powers[i : i + 1], targets[i : i + 1], ESC50_CROPS,
                                      CROP_SECONDS, rng)
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


def esc50_phone_features(model: SoundNet, data: Path, fold: int, copies: int, seed: int) -> FeatureSet:
    """``copies`` random phone takes (:data:`ESC50_PHONE_TAKE`) of each clip of one ESC-50 fold (``phone``), trimmed
    and analysed as the default patch does: a dog or a door knock recorded on a phone in a room, as the musical
    one-shots are, so that the everyday classes are not the only ones met only as studio clips."""
    return _pooled_takes(model, esc50_phone_takes(data, fold, copies, seed))


def esc50_phone_takes(data: Path, fold: int, copies: int, seed: int) -> Iterator[Take]:
    """The trimmed takes of :func:`esc50_phone_features`' rows, in its order (drawn from the same generator)."""
    ds = load_dataset(data, folds=[fold])
    rng = np.random.default_rng([seed, fold, 1])
    for example in ds.examples:
        y, rate = _load_audio(example.path)
        for _ in range(copies):
            take = phone_take(y, rate, rng, noise_bank(data, rate), ESC50_PHONE_TAKE)
            yield trim(take, rate), rate, example.label, f"esc50/{example.group}", "phone"


def oneshot_features(model: SoundNet, folder: Path, source: str, noises: Sequence[np.ndarray],
                     copies: int, seed: int) -> FeatureSet:
    """Each one-shot of a source as rendered (``clean``) and as ``copies`` random phone takes (``phone``),
    trimmed as the default patch trims, analysed as the classifier analyses."""
    return _pooled_takes(model, oneshot_takes(folder, source, noises, copies, seed))


def oneshot_takes(folder: Path, source: str, noises: Sequence[np.ndarray], copies: int, seed: int) -> Iterator[Take]:
    """The trimmed takes of :func:`oneshot_features`' rows, in its order (drawn from the same generator)."""
    files = sorted((folder / source).glob("*/*.flac"))
    rng = np.random.default_rng([seed, sum(map(ord, source))])
    for path in files:
        y, rate = _load_audio(path)
        versions = [("clean", y)] + [("phone", phone_take(y, rate, rng, noises)) for _ in range(copies)]
        for kind, version in versions:
            yield trim(version, rate), rate, path.parent.name, f"{source}/{path.stem}", kind


def features(cache: Path, data: Path, trunk: Path, seed: int, copies: int = AUGMENTED_COPIES) -> dict[str, Path]:
    """Build the one-shots and compute (or find cached) every part's features; returns part name -> file."""
    folder = build(cache)
    out = cache / "features"
    out.mkdir(parents=True, exist_ok=True)
    model = trunk_model(trunk, 1)  # on torch's threads as the caller set them (train_sounds --threads)
    int8_path = int8_trunk(out, model, data, cache, seed)
    # Features come from the int8 trunk that ships: the head learns exactly what the classifier will compute.
    model.trunk = load_int8_trunk(int8_path.read_bytes(), model.n_bands)  # type: ignore[assignment]
    manifest = json.loads((folder / "manifest.json").read_text())
    return cached_parts(out, part_plans(model, data, folder, manifest, seed, copies))


def cached_parts(out: Path, plans: Sequence[Plan]) -> dict[str, Path]:
    """Each part's features in ``out``: found cached with a record of their draw, or computed and recorded."""
    parts: dict[str, Path] = {}
    for plan in plans:
        path = parts[plan.name] = out / f"{plan.name}.pt"
        if features_current(path, (plan.key, *plan.older)):
            continue
        t0 = time.perf_counter()
        part = plan.compute()
        _record(part, path, plan.key)
        print(f"features {plan.name}: {len(part.labels)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    return parts


def cache_key(model: SoundNet, analysis: str = ANALYSIS) -> str:
    """The key that cached features are kept under: the trunk's fingerprint and how takes were analysed."""
    return f"{trunk_fingerprint(model)} {analysis}"


def int8_trunk(out: Path, model: SoundNet, data: Path, cache: Path, seed: int) -> Path:
    """The int8 trunk of ``model`` in the feature cache ``out``, calibrated on ESC-50 clips and one-shots picked
    with ``seed``: found there (:func:`features_of_trunk`) or made again, every part cached with another deleted."""
    path = out / "int8_trunk.pt"
    fingerprint = cache_key(model)
    if features_of_trunk(out, fingerprint, seed):
        return path
    t0 = time.perf_counter()
    powers = calibration_powers(data, cache, seed)
    observers = calibrate_int8(model, calibration_specs(powers, n=96, seed=seed))
    made_from = _made_from(path)
    made_from.write_text("")  # as _record: a run stopped while writing leaves a trunk that no run accepts
    path.write_bytes(script_int8_trunk(model, observers))
    made_from.write_text(int8_key(fingerprint, seed))
    print(f"features int8_trunk: {len(powers)} takes calibrated in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def int8_key(fingerprint: str, seed: int) -> str:
    """What the int8 trunk was made with: the trunk (:func:`cache_key`), the seed that picked its calibration
    takes and the folds they were picked from (other clips and one-shots give other activation ranges: another
    int8 trunk)."""
    return json.dumps({"trunk": fingerprint, "seed": seed, "calibration_folds": list(CALIBRATION_FOLDS)},
                      sort_keys=True)


def features_of_trunk(out: Path, fingerprint: str, seed: int) -> bool:
    """Whether the feature cache ``out`` was computed with the trunk of this fingerprint, its int8 version
    calibrated on the takes ``seed`` picks from :data:`CALIBRATION_FOLDS` (the int8 trunk is there, with that
    record: :func:`int8_key`; records from before it named the folds were calibrated on fold 4 too). If not,
    every cached feature is deleted: every part is computed with the int8 trunk, so features made with another trunk
    (another ``--trunk``, a tuned one) or another calibration would not match what the classifier computes.
    For another seed that is every part anyway (each part's record names its seed: :func:`part_key`); deleting
    them also keeps a part of this seed, left from before a run of another seed, from meeting a trunk it was not
    computed with. YAMNet's features, apart in a folder of their own, are kept."""
    int8_path = out / "int8_trunk.pt"
    made_from = _made_from(int8_path)
    if int8_path.is_file() and made_from.is_file() and made_from.read_text() == int8_key(fingerprint, seed):
        return True
    for stale in out.glob("*.pt"):
        stale.unlink()
    return False


def _made_from(features_file: Path) -> Path:
    return features_file.with_suffix(".from.json")


def part_plans(model: SoundNet, data: Path, folder: Path, manifest: dict[str, object], seed: int,
                copies: int) -> list[Plan]:
    """Every part of the data: ESC-50's folds (their crops drawn with ``seed``), their phone takes, then each
    musical source's one-shots (``copies`` phone takes each)."""
    plans = [Plan(f"esc50_fold{fold}", part_key(seed, None), older_records(seed),
                  partial(esc50_features, model, data, fold, seed)) for fold in (1, 2, 3, 4)]
    plans += [Plan(f"esc50_phone_fold{fold}", part_key(seed, ESC50_PHONE_COPIES), older_records(seed),
                   partial(esc50_phone_features, model, data, fold, ESC50_PHONE_COPIES, seed)) for fold in (1, 2, 3, 4)]
    for source in SOURCES:
        entry = manifest.get(source.name)
        before = older_records(seed, copies, json.dumps(entry, sort_keys=True))
        plans.append(Plan(source.name, part_key(seed, copies, entry), before,
                          partial(_source_features, model, data, folder, source.name, copies, seed)))
    return plans


def _source_features(model: SoundNet, data: Path, folder: Path, source: str, copies: int, seed: int) -> FeatureSet:
    return oneshot_features(model, folder, source, source_noises(data, folder, source), copies, seed)


def part_key(seed: int, copies: int | None, made_from: object = None) -> str:
    """What a part's cached features were drawn with (as :func:`~.yamnet_features.yamnet_key` keeps YAMNet's):
    the seed, the count of phone takes (None for ESC-50's clips and crops: none) and a source's one-shots (its
    manifest entry: rendered again, by another recipe or package version, they are other takes)."""
    return json.dumps({"seed": seed, "copies": copies, "made_from": made_from}, sort_keys=True)


def older_records(seed: int, copies: int = AUGMENTED_COPIES, record: str | None = None) -> tuple[str | None, ...]:
    """The ``record`` a part had before records named the seed and copies (``None``: none, as ESC-50's parts had;
    a source had its manifest entry, in JSON), accepted where the part is drawn with the defaults, which all such
    parts were drawn with: that cache took hours. Nothing is accepted for another seed or count of copies."""
    return (record,) if seed == DEFAULT_SEED and copies == AUGMENTED_COPIES else ()


def features_current(features_file: Path, records: Collection[str | None]) -> bool:
    """Whether a part's cached features are there with one of ``records`` beside them (``None``: no record at
    all): drawn with another seed or count of copies, or from one-shots rendered again, they must be computed
    again, not trained on as if they were the same."""
    made_from = _made_from(features_file)
    record = made_from.read_text() if made_from.is_file() else None
    return features_file.is_file() and record in records


def _record(part: FeatureSet, features_file: Path, key: str) -> None:
    """Save a part's features with the record of their draw. The record says "" while the file is written: a run
    stopped in between leaves features that no draw accepts (no record would pass as a part of the defaults)."""
    made_from = _made_from(features_file)
    made_from.write_text("")
    part.save(features_file)
    made_from.write_text(key)


def source_noises(data: Path, folder: Path, source: str) -> tuple[np.ndarray, ...]:
    """The background noises under a source's phone takes: :func:`noise_bank` at the source's highest rate."""
    rates = {_rate_of(p) for p in (folder / source).glob("*/*.flac")}
    return noise_bank(data, max(rates) if rates else 44100)


def _rate_of(path: Path) -> int:
    import soundfile as sf

    return int(sf.info(str(path)).samplerate)


def trunk_model(trunk: Path, n_classes: int) -> SoundNet:
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
    tuned = read_tuned_trunk(trunk)
    if tuned is not None:
        model = SoundNet(n_classes)
        model.trunk.load_state_dict(tuned)
        return model.eval()
    loaded = load_model_file(trunk)
    model = SoundNet(n_classes, n_bands=loaded.model.n_bands)
    model.trunk.load_state_dict(loaded.model.trunk.state_dict())
    return model.eval()


def load_parts(parts: dict[str, Path]) -> dict[str, FeatureSet]:
    return {name: FeatureSet.load(path) for name, path in parts.items()}


def calibration_takes(data: Path, cache: Path, seed: int, clips: int = 64,
                      one_shots: int = 32) -> list[tuple[np.ndarray, int]]:
    """The takes int8 activation ranges are measured on (:func:`calibration_files`), trimmed."""
    return [(trim(y, rate), rate) for y, rate in map(_load_audio, calibration_files(data, cache, seed, clips,
                                                                                     one_shots))]


def calibration_files(data: Path, cache: Path, seed: int, clips: int = 64, one_shots: int = 32) -> list[Path]:
    """``clips`` ESC-50 clips of :data:`CALIBRATION_FOLDS` and ``one_shots`` cached one-shots of
    :data:`CALIBRATION_SOURCES`, picked with ``seed`` (no labels are read)."""
    from .fitting import calibration_indices

    ds = load_dataset(data, folds=list(CALIBRATION_FOLDS), check_files=False)
    chosen = [ds.examples[i].path for i in calibration_indices(len(ds.examples), clips, seed)]
    shots = sorted(p for source in CALIBRATION_SOURCES for p in (oneshot_folder(cache) / source).glob("*/*.flac"))
    picked = [shots[i] for i in np.random.default_rng(seed).permutation(len(shots))[:one_shots]]
    return chosen + picked


def calibration_powers(data: Path, cache: Path, seed: int) -> list[np.ndarray]:
    """Inputs for the int8 trunk's activation ranges: :func:`calibration_takes`' power spectrograms."""
    return [take_power(y, rate) for y, rate in calibration_takes(data, cache, seed)]

