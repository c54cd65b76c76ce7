"""`exsampling check` (and `classify --patch`) warn of a classifier scoring another span of each take than its model's
head was trained on: since 3039502a the node scores the loudest 3.84 s, and a model `exsampling train` wrote before
(trained on 5 s, with no span in its file) was scored on 3.84 s without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from exsampling_patch.models.features import CLASSIFIED_SECONDS, LEGACY_SPAN_SECONDS, scores_other_span
from exsampling_patch.models.model_file import load_model_file
from exsampling_patch.validate import check_file_with_warnings
from tests.core.hat_take import hat
from tests.nodes.test_classify_patch_cli import exsampling_here

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "models" / "sounds.pt"
WARNED = ("node 'classifier': it scores each take's loudest 3.84 s, and its model 'old.pt' was trained on the loudest "
          "5 s: its head reads a span it was not trained on, and takes are misheard more often")
HINT = "set max_seconds: 5 for this model, or retrain it: `.venv/bin/exsampling train` trains on the loudest 3.84 s"


@pytest.fixture(scope="module")
def old_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped model as a 5 s-era trainer wrote it: its meta without ``span_seconds``."""
    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    assert blob["meta"].pop("span_seconds") == CLASSIFIED_SECONDS  # the shipped file records its span
    path = tmp_path_factory.mktemp("models") / "old.pt"
    torch.save(blob, path)
    return path


def patch_with(folder: Path, model: Path, classifier: dict[str, Any]) -> Path:
    """The default patch in ``folder``, its classifier given ``model`` (copied beside it) and these parameters."""
    (folder / "old.pt").write_bytes(model.read_bytes())
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        if node["id"] == "classifier":
            node["params"] = {**(node.get("params") or {}), "model": "old.pt", **classifier}
    path = folder / "show.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_a_model_without_its_span_is_read_as_trained_on_5_s(old_model: Path) -> None:
    assert load_model_file(old_model).trained_span_seconds == LEGACY_SPAN_SECONDS == 5.0
    assert load_model_file(SHIPPED).trained_span_seconds == CLASSIFIED_SECONDS


def test_a_5_s_model_scored_on_the_default_span_is_warned_of_on_the_classifier(old_model: Path,
                                                                                tmp_path: Path) -> None:
    path = patch_with(tmp_path, old_model, {})
    problems, _, warnings = check_file_with_warnings(path)
    assert problems == []
    assert [(w.file, w.line, w.message, w.hint) for w in warnings] == [
        (str(path), line_of(path, "model: old.pt"), WARNED, HINT)]  # max_seconds left out: the model's line


def test_one_set_is_warned_of_on_its_max_seconds_line(old_model: Path, tmp_path: Path) -> None:
    path = patch_with(tmp_path, old_model, {"max_seconds": 2.0})
    (warning,) = check_file_with_warnings(path)[2]
    assert warning.line == line_of(path, "max_seconds: 2")
    assert warning.message == WARNED.replace("3.84 s", "2 s")
    assert warning.hint == "set max_seconds: 5 for this model"  # retrained, it would be trained on 3.84 s, not 2


def test_the_span_trained_on_or_the_whole_take_is_not_warned_of(old_model: Path, tmp_path: Path) -> None:
    for params in ({"max_seconds": 5}, {"max_seconds": 0}):
        assert check_file_with_warnings(patch_with(tmp_path, old_model, params))[2] == [], params
    assert check_file_with_warnings(REPO / "patches" / "exsampling.yaml")[2] == []  # the shipped model: 3.84 s
    # ... and the shipped model scored on 5 s is: it was trained on 3.84
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    next(n for n in data["nodes"] if n["id"] == "classifier").setdefault("params", {})["max_seconds"] = 5
    (tmp_path / "five.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (warning,) = check_file_with_warnings(tmp_path / "five.yaml")[2]
    assert warning.message == ("node 'classifier': it scores each take's loudest 5 s, and the shipped model was "
                               "trained on the loudest 3.84 s: its head reads a span it was not trained on, and "
                               "takes are misheard more often")
    assert warning.hint == "set max_seconds: 3.84 for this model"


def test_classify_patch_says_so_too(old_model: Path, tmp_path: Path) -> None:
    take = hat(tmp_path)
    path = patch_with(tmp_path, old_model, {})
    done = exsampling_here("classify", "--patch", str(path), str(take))
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {path}:{line_of(path, 'model: old.pt')}: {WARNED} ({HINT})"]
    assert done.stdout.startswith(f"{take}: ")


def test_classify_with_a_model_alone_says_so_too(old_model: Path, tmp_path: Path) -> None:
    """Without a patch, `classify --model` scores as the node does by default: a note where that is not the span the
    model was trained on, none with --max-seconds at it, or with the shipped model."""
    take = hat(tmp_path)
    done = exsampling_here("classify", "--model", str(old_model), str(take))
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("note: ")] == [
        "note: it scores each file's loudest 3.84 s, and the model was trained on the loudest 5 s: --max-seconds 5 "
        "scores files as it was trained"]
    assert done.stdout.startswith(f"{take}: ")
    for args in (("--model", str(old_model), "--max-seconds", "5"), ()):
        done = exsampling_here("classify", *args, str(take))
        assert done.returncode == 0 and "note: " not in done.stderr, (args, done.stderr)


def test_a_model_trained_on_whole_takes_is_never_said_to_be_scored_on_another_span(tmp_path: Path) -> None:
    """``span_seconds: 0`` (whole takes) is no span to match: before, `classify --model` told of "the loudest 0 s"."""
    assert not scores_other_span(CLASSIFIED_SECONDS, 0.0) and not scores_other_span(0.0, 5.0)
    assert scores_other_span(3.8, 3.84) and not scores_other_span(3.842, 3.84)
    blob = torch.load(str(SHIPPED), map_location="cpu", weights_only=True)
    blob["meta"]["span_seconds"] = 0.0
    whole = tmp_path / "whole.pt"
    torch.save(blob, whole)
    done = exsampling_here("classify", "--model", str(whole), str(hat(tmp_path)))
    assert done.returncode == 0 and "note: " not in done.stderr, done.stderr
