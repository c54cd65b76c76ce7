"""`exsampling check` warns of an input fed both what a gate passed and what it rejected: with the gate's
`rejected` linked into the slot map's `prediction` beside `passed`, every take the gate rejected was loaded into a
slot, and check said "ok"."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

REPO = Path(__file__).resolve().parents[2]


def shipped_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8")
    assert f"- {old}\n" in text
    patch = tmp_path / "show.yaml"
    patch.write_text(text.replace(f"- {old}\n", f"- {new}\n"), encoding="utf-8")
    return patch


def test_check_warns_of_a_gate_whose_rejected_go_on_with_its_passed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = shipped_with(tmp_path, "gate.rejected -> map.rejected", "gate.rejected -> map.prediction")
    line = patch.read_text(encoding="utf-8").split("\n").index("- gate.rejected -> map.prediction") + 1
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    err = capsys.readouterr().err
    assert (f"warning: {patch}:{line}: node 'map': 'prediction' gets both what 'gate' passed and what it rejected: "
            "everything goes on, as if 'gate' were not there (link gate.rejected to map.rejected)") in err, err
    assert f"{patch}: ok, but 1 warning" in err


def test_both_told_to_the_phones_or_a_log_are_not_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The phones told of both (the shipped patch links rejected there), or both logged: they only tell of them.
    patch = shipped_with(tmp_path, "classifier.prediction -> phones.prediction", "gate.passed -> phones.prediction")
    both_logged = "- gate.passed -> log.message\n- gate.rejected -> log.message\n"
    text = patch.read_text(encoding="utf-8").replace("- sampler.loaded -> log.message\n", both_logged)
    patch.write_text(text, encoding="utf-8")
    assert main(["check", str(REPO / "patches" / "exsampling.yaml"), str(patch)]) == 0
    assert "warning:" not in capsys.readouterr().err
