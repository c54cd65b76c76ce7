"""What is typed into an inspector field is kept when the field is left with a click elsewhere, as on Enter
(field_leave_scenario.py, real key and mouse events in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.field_leave_scenario")


@pytest.mark.display
def test_a_value_typed_and_left_is_taken(result: dict[str, Any]) -> None:
    assert result["name"] == "river", result  # the patch's name, the canvas clicked
    assert result["prefix"] == "abc", result  # another node's title clicked
    assert result["ids"] == ["inbox", "library", "logbook"], result  # a rename, as on Enter


@pytest.mark.display
def test_enter_then_leaving_is_one_edit(result: dict[str, Any]) -> None:
    assert result["prefix_after_enter"] == "abcd" and result["edits_for_enter_then_leave"] == 1, result


@pytest.mark.display
def test_a_node_clicked_once_from_a_field_is_shown_and_selected(result: dict[str, Any]) -> None:
    # imnodes takes that press only to end the field's editing: the node was neither selected nor shown.
    assert result["shown"] == "library" and result["selection"] == ["library"], result


@pytest.mark.display
def test_ctrl_s_while_typing_saves_and_says_the_typed_value_is_not_in_it(result: dict[str, Any]) -> None:
    assert result["saved_while_typing"] and result["still_typing"], result
    assert result["ctrl_s_status"].startswith("saved ") and "press Enter" in result["ctrl_s_status"], result
    assert result["saved_after_enter"], result


@pytest.mark.display
def test_ctrl_s_while_typing_the_description_saves_it(result: dict[str, Any]) -> None:
    assert result["saved_description"] and not result["dirty_after_description"], result
    assert "press Enter" not in result["description_status"], result  # Enter makes a new line there
    assert not result["dirty_after_leaving"], result
