"""Delete, cut, duplicate, select all and the view keys leave the patch alone while the Performance tab hides it;
Backspace deletes as Delete does; Ctrl+Z in a field of the Performance tab is the field's (tab_keys_scenario.py,
real clicks and keys on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.tab_keys_scenario")


@pytest.mark.display
def test_keys_on_the_performance_tab_leave_the_hidden_patch_alone(result: dict[str, Any]) -> None:
    assert result["selected"] == ["gate"] and result["tab"], result
    assert result["nodes_kept"] and result["pan_kept"] and not result["dirty"], result
    assert result["selected_back"] == ["gate"] and result["deleted_on_patch_tab"], result  # the Patch tab's own


@pytest.mark.display
def test_backspace_deletes_on_the_canvas_and_edits_in_a_field(result: dict[str, Any]) -> None:
    assert result["backspace_deleted"], result
    assert result["name_after_backspace"] == "ExSamplin" and result["nodes_after_backspace_in_field"], result


@pytest.mark.display
def test_ctrl_z_in_a_performance_tab_field_is_the_fields(result: dict[str, Any]) -> None:
    assert result["perf_field_typing"], result
    assert result["name_after_ctrl_z_in_perf_field"] == "ExSamplin", result  # the name typed is not undone
