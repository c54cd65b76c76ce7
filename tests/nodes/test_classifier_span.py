"""The classifier node says once, at its start, that it scores another span of each take than its model was trained
on (a model `exsampling train` wrote before 3039502a: 5 s, scored on 3.84 s without a word)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from exsampling_patch.nodes.classify import SoundClassifier

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "sounds.pt"


@pytest.fixture(scope="module")
def old_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped model as a 5 s-era trainer wrote it: its meta without ``span_seconds``."""
    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    del blob["meta"]["span_seconds"]
    path = tmp_path_factory.mktemp("models") / "old.pt"
    torch.save(blob, path)
    return path


def warnings_at_start(params: dict[str, object]) -> list[str]:
    node = SoundClassifier("clf", params)
    node.start()
    try:
        return [status["warning"] for status in node.context.statuses if status.get("warning")]
    finally:
        node.stop()


def test_a_5_s_model_scored_on_3_84_s_is_told_at_start(old_model: Path) -> None:
    # in the node's own process (the default): the model's meta comes back with its Ready
    assert warnings_at_start({"model": str(old_model)}) == [
        f"it scores each take's loudest 3.84 s, and its model '{old_model}' was trained on the loudest 5 s, so takes "
        "are misheard more often: set max_seconds: 5 for this model, or retrain it"]


def test_the_span_it_was_trained_on_is_not(old_model: Path) -> None:
    assert warnings_at_start({"model": str(old_model), "max_seconds": 5.0, "own_process": False}) == []
    assert warnings_at_start({"own_process": False}) == []  # the shipped model, trained on 3.84 s
    assert warnings_at_start({"max_seconds": 5.0, "own_process": False}) == [
        "it scores each take's loudest 5 s, and the shipped model was trained on the loudest 3.84 s, so takes are "
        "misheard more often: set max_seconds: 3.84 for this model"]
