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

