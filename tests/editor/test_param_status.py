"""A parameter set in the inspector is told in the status bar (param_status_scenario.py, real events on the test
display), as its undo is: the last link's "linked gate.passed -> map.prediction" stayed there, read as just done."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.param_status_scenario")


@pytest.mark.display
def test_a_value_typed_into_the_inspector_is_told_as_set(result: dict[str, Any]) -> None:
    assert result["linked"] == "linked gate.passed -> map.prediction", result
    assert result["threshold"] == 0.6, result
    assert result["set"] == "set gate.threshold", result
    assert result["undone"] == "undid set gate.threshold", result
