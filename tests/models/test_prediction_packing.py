"""What a Prediction carries across the classifier's process: packed without the model's labels (the process told them
once, as it loaded), arrays as raw bytes, and made whole on this side field for field."""

from __future__ import annotations

import pickle
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from exsampling_patch.models import load_classifier
from exsampling_patch.models.prediction import Prediction, WindowScore, packed, unpacked
from exsampling_patch.models.process import ClassifierProcess

LABELS = tuple(f"class {i}" for i in range(12))


def assert_same_fields(ours: Prediction, theirs: Prediction, but: tuple[str, ...] = ()) -> None:
    for field in fields(Prediction):  # a field added to Prediction and not packed fails here
        if field.name in but:
            continue
        mine, other = getattr(ours, field.name), getattr(theirs, field.name)
        if isinstance(other, np.ndarray):
            assert isinstance(mine, np.ndarray) and mine.dtype == other.dtype and mine.shape == other.shape
            np.testing.assert_array_equal(mine, other)
            assert mine.flags.writeable
        else:
            assert mine == other, field.name


def test_a_prediction_with_windows_comes_back_whole() -> None:
    rng = np.random.default_rng(2)
    window_probabilities = rng.random((3, len(LABELS))).astype(np.float32)
    prediction = Prediction(
        top=[("class 4", 0.6), ("class 1", 0.3)], labels=LABELS, probabilities=window_probabilities.mean(axis=0),
        windows=[WindowScore(0.5 + i, 1.5 + i, f"class {i}", 0.4 + i / 10, i != 1) for i in range(3)],
        window_probabilities=window_probabilities, duration=9.5, window="1s", pooling="max", seconds=0.0125,
        span=(0.5, 3.5))
    values = packed(prediction)
    assert b"class 11" not in pickle.dumps(values)  # the labels stay behind
    assert_same_fields(unpacked(pickle.loads(pickle.dumps(values)), LABELS), prediction)


def test_nothing_to_classify_comes_back_with_its_reason() -> None:
    prediction = Prediction([], LABELS, reason="silent take", duration=0.4)
    back = unpacked(pickle.loads(pickle.dumps(packed(prediction))), LABELS)
    assert_same_fields(back, prediction)
    assert back.nothing_to_classify and back.probabilities is None and back.windows == []


def test_the_process_answers_every_field_as_here_without_sending_the_labels(esc50: Path) -> None:
    audio, rate = sf.read(str(esc50 / "audio" / "4-102844-A-49.flac"), dtype="float32")
    options: dict[str, Any] = {"window": "1s", "pooling": "max", "top_k": 3, "max_seconds": 5.0}
    local = load_classifier(threads=1).predict(audio, rate, **options)
    process = ClassifierProcess(threads=1)
    try:
        process.wait_ready()
        connection = process._child.connection
        assert connection is not None
        received: list[bytes] = []  # the answer, then the stop's

        def recv() -> Any:  # the answer as it came over the socket
            received.append(connection.recv_bytes())
            return pickle.loads(received[-1])

        connection.recv = recv
        remote = process.predict(audio, rate, **options)
    finally:
        process.stop()
    assert len(remote.windows) > 1 and remote.top
    assert_same_fields(remote, local, but=("seconds", "probabilities", "window_probabilities", "windows", "top"))
    np.testing.assert_allclose(remote.probabilities, local.probabilities, atol=1e-6)
    np.testing.assert_allclose(remote.window_probabilities, local.window_probabilities, atol=1e-6)
    assert [w.label for w in remote.windows] == [w.label for w in local.windows]
    assert [label for label, _ in remote.top] == [label for label, _ in local.top]
    assert remote.seconds > 0.0
    said = {label for label, _ in remote.top} | {w.label for w in remote.windows}
    unsaid = [label for label in remote.labels if label not in said and label not in "".join(said)]
    assert unsaid and not any(label.encode() in received[0] for label in unsaid)
