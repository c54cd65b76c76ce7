"""A composer's wiring and a refused value through real mouse and key events (composer_scenario.py, in a
subprocess on the test display): Ctrl+Z and Ctrl+Y name the link they undo and redo, and a refused value says
what the patch keeps instead of the one its widget still shows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.scenario_worker import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.composer_scenario")


@pytest.mark.display
def test_undo_after_a_refused_link_names_the_link_it_undid(result: dict[str, Any]) -> None:
    assert "trim.out -> classifier.take" in result["linked"], result
    assert "cannot feed a midi input" in result["refused"], result
    # The refused link was never made: Ctrl+Z undid the one before it, and says which (it said "undid link").
    assert result["undo"] == "undid link trim.out -> classifier.take", result
    assert result["undone"] == ["classifier.prediction -> gate.prediction"], result
    assert result["redo"] == "redid link trim.out -> classifier.take", result


@pytest.mark.display
def test_a_refused_value_says_what_the_patch_keeps(result: dict[str, Any]) -> None:
    assert result["inspector"] == "gate", result
    assert result["shown"] == pytest.approx(7.0), result  # the slider still shows what was typed
    assert "above its maximum" in result["error"], result
    assert result["error"].endswith("; the patch keeps 0.4"), result
    assert result["saved"] == 0.4, result
