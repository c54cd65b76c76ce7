"""`exsampling check` warns of an input a node needs that can get nothing: the default patch without
`trim.out -> classifier.take` held every take in the slot map for ever, and check said "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

REPO = Path(__file__).resolve().parents[2]


def shipped_without(tmp_path: Path, link: str) -> Path:
    text = (REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8")
    assert f"- {link}\n" in text
    patch = tmp_path / "show.yaml"
    patch.write_text(text.replace(f"- {link}\n", ""), encoding="utf-8")
    return patch


def test_check_warns_of_a_slot_map_whose_predictions_cannot_come(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = shipped_without(tmp_path, "trim.out -> classifier.take")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "node 'map': what comes to 'take' waits for what comes to 'prediction'" in \
        warnings[0] and "nothing is linked into classifier" in warnings[0], err
    assert f"{patch}: ok, but 1 warning" in err


def test_check_warns_of_a_prediction_input_linked_to_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = shipped_without(tmp_path, "gate.passed -> map.prediction")
    assert main(["check", str(patch)]) == 0
    err = capsys.readouterr().err
    assert "nothing is linked to 'prediction'" in err, err


def test_the_shipped_patch_and_a_map_without_its_take_input_are_not_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without 'take' linked, the map assigns each prediction's own take: nothing waits.
    patch = shipped_without(tmp_path, "pitch.out -> map.take")
    assert main(["check", str(REPO / "patches" / "exsampling.yaml"), str(patch)]) == 0
    assert "warning:" not in capsys.readouterr().err
