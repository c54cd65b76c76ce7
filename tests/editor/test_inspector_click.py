"""Left clicks on the canvas through real mouse events: wiring a link from or to a pin keeps the inspector, a click
on a node shows it, and only a click on empty canvas clears it (inspector_click_scenario.py, in a subprocess on
the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.inspector_click_scenario")


@pytest.mark.display
def test_dragging_a_link_keeps_the_node_in_the_inspector(result: dict[str, Any]) -> None:
    assert result["added"] == ["trim"] and result["shown"] == "trim", result
    assert result["selected"] == [], result  # shown by the palette, not selected on the canvas
    assert result["links"] == ["inbox.take -> trim.take"], result  # the drag really made the link
    assert result["after_link"] == "trim", result
    assert result["links_after_drop"] == 1 and result["after_dropped_link"] == "trim", result


@pytest.mark.display
def test_a_node_clicked_shows_and_empty_canvas_clicked_clears(result: dict[str, Any]) -> None:
    assert result["clicked_log"] == "log", result
    assert result["after_empty_click"] is None, result


@pytest.mark.display
def test_a_link_clicked_keeps_the_node_in_the_inspector(result: dict[str, Any]) -> None:
    assert result["link_selected"] == ["inbox.take -> trim.take"], result  # the click landed on the link
    assert result["after_link_click"] == "trim", result


@pytest.mark.display
def test_a_link_ctrl_clicked_goes_and_the_status_bar_says_so(result: dict[str, Any]) -> None:
    assert result["links_after_ctrl_click"] == [], result
    assert result["status_after_ctrl_click"] == "unlinked inbox.take -> trim.take", result
