"""Enter in the palette's search field adds the first type listed, and a node added from the palette is the
selection (palette_scenario.py, real key and mouse events in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.palette_scenario")


@pytest.mark.display
def test_enter_in_the_palette_search_adds_the_first_type_listed(result: dict[str, Any]) -> None:
    assert result["added"] == ["confidence_gate"], result  # "gate": the first (and only) type listed
    assert result["shown"] == "confidence_gate" and result["visible"] == ["confidence_gate"], result
    assert result["after_canvas_enter"] == 1, result  # the canvas has the keys: Enter adds nothing more
    text_w, field_w = result["hint_room"]
    assert text_w + 8 <= field_w, result  # the field's hint shows whole (its frame pads the text 4 px a side)


@pytest.mark.display
def test_a_node_added_from_the_palette_is_the_selection(result: dict[str, Any]) -> None:
    assert result["added_by_click"] == ["confidence_gate", "relay"], result
    assert result["after_delete"] == ["confidence_gate"], result  # Delete took the relay back
