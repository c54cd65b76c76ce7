"""The classifier node with the shipped model: real takes in, Prediction messages and status out."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Prediction, Take
from exsampling_patch.models.features import CLASSIFIED_SECONDS
from exsampling_patch.nodes.classify import SoundClassifier


@pytest.fixture(scope="module")
def node() -> Iterator[SoundClassifier]:
    n = SoundClassifier("clf", {"top_k": 3})
    n.start()  # without prepare(), as a node started on its own must work
    yield n
    n.stop()


def clip(esc50: Path, category: str) -> np.ndarray:
    """The first fold-4 clip of ``category`` as a 44.1 kHz stereo take (left and right at different gains)."""
    with (esc50 / "esc50.csv").open(newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: r["filename"])
    name = next(r["filename"] for r in rows if r["category"] == category and r["fold"] == "4")
    y, sr = sf.read(str(esc50 / "audio" / name), dtype="float32")
    y44 = librosa.resample(y, orig_sr=sr, target_sr=44100)
    return np.stack([y44, 0.6 * y44], axis=1)


@pytest.mark.parametrize("category", ["rooster", "church_bells"])
def test_stereo_44k_take_gets_the_right_label(node: SoundClassifier, esc50: Path, category: str) -> None:
    take = Take(clip(esc50, category), 44100, meta={"stored_at": time.monotonic()})
    assert take.channels == 2
    node.context.emitted.clear()
    node.handle("take", take)
    [(port, prediction)] = node.context.emitted
    assert port == "prediction" and isinstance(prediction, Prediction)
    assert prediction.label == category and prediction.reason is None
    assert len(prediction.scores) == 3
    assert prediction.scores[0].probability >= prediction.scores[1].probability >= prediction.scores[2].probability
    assert prediction.take.take_id == take.take_id and "classified_ms" in prediction.take.meta
    status = node.context.statuses[-1]
    assert status["label"] == category and status["take"] == take.take_id
    assert 0 < status["confidence"] <= 1 and status["latency_ms"] >= 0


def test_silent_take_gives_no_scores_and_a_reason(node: SoundClassifier) -> None:
    node.context.emitted.clear()
    node.handle("take", Take(np.zeros((44100 * 2, 2), np.float32), 44100))
    [(port, prediction)] = node.context.emitted
    assert port == "prediction"
    assert prediction.scores == () and prediction.label is None and prediction.confidence == 0.0
    assert prediction.reason and "silent" in prediction.reason
    assert node.context.statuses[-1]["label"] == "nothing"


def test_too_short_take_gives_a_reason(node: SoundClassifier) -> None:
    node.context.emitted.clear()
    noise = (np.random.default_rng(0).standard_normal((882, 2)) * 0.3).astype(np.float32)  # 20 ms
    node.handle("take", Take(noise, 44100))
    prediction = node.context.emitted[-1][1]
    assert prediction.scores == () and prediction.reason and "too short" in prediction.reason


def test_long_take_is_scored_on_its_loudest_span(node: SoundClassifier, esc50: Path) -> None:
    sound = clip(esc50, "rooster")
    quiet = (np.random.default_rng(3).standard_normal((6 * 44100, 2)) * 1e-3).astype(np.float32)
    take = Take(np.concatenate([quiet, sound]), 44100)  # 11 s, the rooster in the last 5 s
    assert node.max_seconds == CLASSIFIED_SECONDS
    node.context.emitted.clear()
    node.handle("take", take)
    prediction = node.context.emitted[-1][1]
    assert prediction.label == "rooster"
    start, end = prediction.take.meta["classified_span_s"]
    assert end - start == pytest.approx(CLASSIFIED_SECONDS, abs=1e-3) and start >= 6.0 and end <= 11.0  # the rooster's
    assert prediction.take.duration == pytest.approx(11.0)  # the take itself is untouched


def test_in_the_patchs_own_process_it_answers_the_same(node: SoundClassifier, esc50: Path) -> None:
    local = SoundClassifier("local", {"top_k": 3, "own_process": False})
    local.start()
    take = Take(clip(esc50, "church_bells"), 44100)
    for n in (node, local):
        n.context.emitted.clear()
        n.handle("take", take)
    ours, theirs = node.context.emitted[-1][1], local.context.emitted[-1][1]
    assert [s.label for s in ours.scores] == [s.label for s in theirs.scores] and ours.label == "church_bells"
    assert [s.probability for s in ours.scores] == pytest.approx([s.probability for s in theirs.scores], abs=1e-6)
    local.stop()
