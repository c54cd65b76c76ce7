"""YAMNet's features of every row of the sound head's training data, beside the aiSFX trunk's
(models/MODEL_CARD.md, "Lead: YAMNet"; ``train_sounds --yamnet``).

Each row gets :func:`~.yamnet.take_features` of the audio its aiSFX features see (:mod:`.sound_features`): the
trimmed clip's loudest span (:data:`~.features.CLASSIFIED_SECONDS`), each crop's span of it, each phone take, each
one-shot, drawn from the same random generators in the same order. They are cached per part under
``<cache>/features/yamnet/<recipe>`` in files of their own, so that the trunk's features stay as they are, and
kept under a key of their own (:func:`yamnet_key`: YAMNet's :data:`~.yamnet.FEATURES`, its weights' digest, the
analysis, the seed and copies, and a source's one-shots), so that a change of any recomputes them and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from . import yamnet
from .datasets import _load_audio, load_dataset
from .features import hop_length
from .fitting import crop_steps, trunk_steps
from .model_file import yamnet_fingerprint
from .network import STEP_FRAMES
from .oneshots import oneshot_folder
from .sound_features import (
    ANALYSIS,
    CROP_SECONDS,
    ESC50_CROPS,
    ESC50_PHONE_COPIES,
    FeatureSet,
    Take,
    esc50_phone_takes,
    oneshot_takes,
    source_noises,
    take_power,
    take_span,
    trim,
)

__all__ = ["FOLDER", "attach_yamnet", "esc50_takes", "part_takes", "weights_digest", "yamnet_features",
           "yamnet_key", "yamnet_rows"]

FOLDER = "yamnet"
"""Under ``<cache>/features``: out of reach of the trunk's cache, which deletes its own ``*.pt`` on a new trunk.
Each recipe of the features (:data:`~.yamnet.FEATURES`) has a folder of its own in it, so that trying one recipe
does not throw away the hours another's took."""
PROGRESS_ROWS = 2000


def weights_digest(weights: Path) -> str:
    """YAMNet's fingerprint of the weights in the file ``yamnet_weights build`` wrote (:func:`.yamnet_fingerprint`),
    the one model and head files record: other weights, other features."""
    saved = torch.load(str(weights), map_location="cpu", weights_only=True)
    return yamnet_fingerprint(saved["state_dict"])


def _file_sha256(weights: Path) -> str:
    """SHA-256 of the weights file's bytes: what parts cached before the fingerprint were keyed by (still read:
    they took hours to compute)."""
    return hashlib.sha256(Path(weights).read_bytes()).hexdigest()


def yamnet_key(weights_sha256: str, seed: int, copies: int, made_from: object = None) -> str:
    """What a part's cached YAMNet features were computed from: a change of any computes them again."""
    return json.dumps({"features": yamnet.FEATURES, "weights": weights_sha256, "analysis": ANALYSIS, "seed": seed,
                       "copies": copies, "made_from": made_from}, sort_keys=True)


def esc50_takes(data: Path, fold: int, seed: int) -> Iterator[Take]:
    """The audio of :func:`~.sound_features.esc50_features`' rows, in its order: each trimmed clip, then the spans
    its crops of the trunk's maps cover (the same crops: the same generator, drawn in the same order), and last
    every clip untrimmed."""
    ds = load_dataset(data, folds=[fold])
    clips = [_load_audio(e.path) for e in ds.examples]
    rng = np.random.default_rng([seed, fold])
    for example, (y, rate) in zip(ds.examples, clips, strict=True):
        group = f"esc50/{example.group}"
        trimmed = trim(y, rate)
        yield trimmed, rate, example.label, group, "whole"
        power = take_power(trimmed, rate)
        span = take_span(trimmed, rate)
        samples_a_step = STEP_FRAMES * hop_length(rate)  # frame i of the front end is centred on sample i * hop
        for a, b in crop_steps(power, trunk_steps(power), ESC50_CROPS, CROP_SECONDS, rng):
            yield span[a * samples_a_step : b * samples_a_step], rate, example.label, group, "crop"
    for example, (y, rate) in zip(ds.examples, clips, strict=True):
        yield y, rate, example.label, f"esc50/{example.group}", "untrimmed"


def part_takes(name: str, data: Path, cache: Path, seed: int, copies: int) -> Iterator[Take]:
    """The audio of each row of a part (``esc50_fold1``, ``esc50_phone_fold2``, a musical source's name)."""
    if name.startswith("esc50_phone_fold"):
        return esc50_phone_takes(data, int(name.removeprefix("esc50_phone_fold")), ESC50_PHONE_COPIES, seed)
    if name.startswith("esc50_fold"):
        return esc50_takes(data, int(name.removeprefix("esc50_fold")), seed)
    folder = oneshot_folder(cache)
    return oneshot_takes(folder, name, source_noises(data, folder, name), copies, seed)


def yamnet_rows(model: yamnet.YamNet, takes: Iterator[Take], name: str = "") -> FeatureSet:
    """YAMNet's features of each take's loudest span (as the classifier hears it), with the rows' labels."""
    feats: list[np.ndarray] = []
    labels, groups, kinds = [], [], []
    t0 = time.perf_counter()
    for take, rate, label, group, kind in takes:
        feats.append(yamnet.take_features(model, take_span(take, rate), rate, yamnet.FEATURES))
        labels.append(label)
        groups.append(group)
        kinds.append(kind)
        if name and len(feats) % PROGRESS_ROWS == 0:
            print(f"yamnet features {name}: {len(feats)} rows, {time.perf_counter() - t0:.0f} s", flush=True)
    return FeatureSet(torch.from_numpy(np.stack(feats)), labels, groups, kinds)


def yamnet_features(cache: Path, data: Path, names: Sequence[str], weights: Path, seed: int,
                    copies: int) -> dict[str, Path]:
    """Compute (or find cached) YAMNet's features of the parts ``names``; returns part name -> file."""
    out = cache / "features" / FOLDER / yamnet.FEATURES
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = oneshot_folder(cache) / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    digest, older = weights_digest(weights), _file_sha256(weights)
    model: yamnet.YamNet | None = None  # loaded only if some part must be computed
    paths: dict[str, Path] = {}
    for name in names:
        paths[name] = out / f"{name}.pt"
        made = None if name.startswith("esc50") else manifest.get(name)
        key = yamnet_key(digest, seed, copies, made)
        made_from = paths[name].with_suffix(".from.json")
        if paths[name].is_file() and made_from.is_file() and made_from.read_text() in (
                key, yamnet_key(older, seed, copies, made)):
            continue
        model = model or yamnet.load_yamnet(weights)
        t0 = time.perf_counter()
        part = yamnet_rows(model, part_takes(name, data, cache, seed, copies), name)
        part.save(paths[name])
        made_from.write_text(key)
        print(f"yamnet features {name}: {len(part.labels)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    return paths


def attach_yamnet(parts: Mapping[str, FeatureSet], paths: Mapping[str, Path]) -> None:
    """Give each part its rows' YAMNet features; a part whose rows are not the trunk features' own (another seed,
    another count of copies, one-shots rendered again) is refused rather than misaligned."""
    for name, path in paths.items():
        rows = FeatureSet.load(path)
        part = parts[name]
        if (rows.labels, rows.groups, rows.kinds) != (part.labels, part.groups, part.kinds):
            raise ValueError(f"YAMNet's features of {name} ({path}) are not of the rows of its trunk features")
        part.yamnet = rows.feats
