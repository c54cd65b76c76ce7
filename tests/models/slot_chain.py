"""The default patch's chain from a sound file to a slot, as the accuracy tests score it: trim at 60 dB, the
classifier's scoring (its loudest 3.84 s), the slot map choosing by slot (the slot whose top-5 labels sum the most
probability)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.models.classifier import Classifier
from exsampling_patch.nodes.processing import trim_bounds
from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE, normalize_label, slot_scores

TRIM_DB = 60.0


def trimmed_take(path: Path) -> tuple[np.ndarray, int]:
    """A sound file mixed down to mono and trimmed as the default patch's trim node trims it."""
    samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    first, last = trim_bounds(mono, rate, TRIM_DB)
    return mono[first:last], rate


def chosen_slots(clf: Classifier, takes: list[tuple[np.ndarray, int, str]],
                 struck: set[str] = frozenset()) -> list[str | None]:  # type: ignore[assignment]
    """The slot each take lands in (None: none of its top labels has one); ``struck`` labels are given 0."""
    labels = [normalize_label(x) for x in clf.labels]
    slots: list[str | None] = []
    for samples, rate, _ in takes:
        probs = clf.predict(samples, rate, max_seconds=5.0, top_k=len(labels)).probabilities.astype(np.float64)
        if struck:
            probs[[i for i, x in enumerate(labels) if x in struck]] = 0.0
        ranked = slot_scores([(labels[i], probs[i]) for i in np.argsort(-probs)[:5]], DEFAULT_SLOT_TABLE)
        slots.append(ranked[0][0] if ranked else None)
    return slots


def right_slot_share(clf: Classifier, takes: list[tuple[np.ndarray, int, str]],
                     struck: set[str] = frozenset()) -> float:  # type: ignore[assignment]
    """Share of takes whose slot is their true label's."""
    slots = chosen_slots(clf, takes, struck)
    return sum(slot == DEFAULT_SLOT_TABLE[truth] for slot, (_, _, truth) in zip(slots, takes, strict=True)) / len(takes)
