"""Shortcuts through real key events in a real window, with every node of the default patch selected in turn.

The scenario (keys_scenario.py) runs in the scenarios' process on the test display (scenario_worker.py); what
the editor prints there is read here, and any traceback fails the test: Dear PyGui prints a failing callback's
traceback and goes on, so a broken handler shows nowhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.patchfile import read_patch
from tests.editor.scenario_worker import run_scenario

__all__ = ["run_scenario"]  # the other window tests import it from here

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def walk() -> dict[str, Any]:
    """One run of the scenario, read by each test below: it is this file's whole time (a real window walked through
    every node of the default patch), not to be paid twice."""
    return run_scenario("tests.editor.keys_scenario")


@pytest.mark.display
@pytest.mark.slow
def test_every_node_selected_then_moved_saved_with_ctrl_s_and_undone_with_ctrl_z(walk: dict[str, Any]) -> None:
    result = walk
    steps = result["steps"]
    default = read_patch(REPO / "patches" / "exsampling.yaml").patch
    assert isinstance(steps, list) and [step["node"] for step in steps] == list(default.nodes)
    for step in steps:
        node = step["node"]
        assert step["inspector"] == node, step  # the click selected it and it shows in the inspector
        assert step["moved"], step
        assert step["saved"], step  # Ctrl+S wrote the file
        assert step["undone"] and step["drawn_back"], step  # Ctrl+Z put it back
    assert any(step["type"] == "slot_map" for step in steps) and any(step["type"] == "sampler" for step in steps)
    cells = [step for step in steps if "typed_in_cell" in step]
    assert cells and all(step["typed_in_cell"] for step in cells), cells  # Delete in a table cell is the cell's
    assert result["inspector_after_empty_click"] is None


@pytest.mark.display
@pytest.mark.slow
def test_ctrl_q_esc_and_the_file_dialog_through_real_keys_and_clicks(walk: dict[str, Any]) -> None:
    result = walk
    assert result["dirty_before"] and result["quit_asks"], result  # unsaved: Ctrl+Q asks first
    assert result["esc_cancels_prompt"] and result["esc_cancels_dialog"], result
    assert result["dialog_shown"] and result["dialog_name"] == "", result  # not "."
    rows = result["dialog_rows"]
    assert isinstance(rows, list) and rows[0][0] == "exsampling.yaml" and rows[0][1].endswith(" KB"), rows
    assert result["double_click_opens"], result
    assert result["ctrl_q_quits"], result
