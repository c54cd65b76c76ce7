"""A gate's rejected predictions linked on with its passed ones (bypass_scenario.py, a real mouse drag on the test
display): the types fit, so the link is made, and the problems panel says at once that the gate lets everything
through and where the rejected ones go; Ctrl+Z takes the link and the warning away."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.bypass_scenario")


@pytest.mark.display
def test_a_gate_linked_round_itself_is_warned_of_in_the_panel_until_undone(result: dict[str, Any]) -> None:
    links, panel = result["linked"]
    assert "gate.rejected -> map.prediction" in links, result
    assert panel == ["warning: node 'map': 'prediction' gets both what 'gate' passed and what it rejected: everything "
                     "goes on, as if 'gate' were not there (link gate.rejected to map.rejected)"], result
    assert result["undone"] == [["gate.passed -> map.prediction"], []], result
