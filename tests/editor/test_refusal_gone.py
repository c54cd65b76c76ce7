"""A refused link's reason goes from the node and the status bar once the composer does something else: a node
dragged, an undo, a click on empty canvas (refusal_gone_scenario.py, real events on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario

REFUSED = {"on_node": True, "refusals": 1,
           "status": "link norm.out -> trim.take would close a cycle: trim -> pitch -> norm -> trim"}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.refusal_gone_scenario")


@pytest.mark.display
def test_a_refusal_is_shown_on_the_node_and_in_the_status_bar(result: dict[str, Any]) -> None:
    assert result["refused"] == result["refused_again"] == result["refused_third"] == REFUSED, result


@pytest.mark.display
def test_a_node_dragged_takes_the_refusal_away(result: dict[str, Any]) -> None:
    assert result["moved"] == [260, 100], result
    assert result["after_move"] == {"on_node": False, "status": "", "refusals": 0}, result


@pytest.mark.display
def test_an_undo_takes_the_refusal_away(result: dict[str, Any]) -> None:
    assert result["after_undo"] == {"on_node": False, "status": "undid move", "refusals": 0}, result


@pytest.mark.display
def test_a_click_on_empty_canvas_takes_the_refusal_away(result: dict[str, Any]) -> None:
    assert result["after_empty_click"] == {"on_node": False, "status": "", "refusals": 0}, result
