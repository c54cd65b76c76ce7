"""A node that comes into an error, or grows by a refused link's line, is drawn over its neighbours, so that what it
says is read whole (error_on_top_scenario.py, refused_on_top_scenario.py: real mouse on the test display): the node
placed below it covered those lines."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_node_in_error_is_drawn_over_the_node_below_it() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.error_on_top_scenario")
    assert result["running"] and result["idle"], result
    assert result["error"].startswith("ERROR: "), result
    assert result["clear_before"] and result["overlap"], result  # its error's lines reach into the log node's box
    assert result["kept_place"], result
    assert result["hovered"] == ["library"], result  # the node on top where they meet is the failing one
    assert result["inspector"] == "library", result
    assert "error on library" in result["status"], result


@pytest.mark.display
def test_a_node_with_a_refused_link_s_line_is_drawn_over_the_node_below_it() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.refused_on_top_scenario")
    assert "a take output cannot feed a midi input" in result["refused"], result
    assert result["clear_before"] and result["overlap"], result  # grown by its line into the log node's box
    assert result["kept_place"], result
    assert result["hovered"] == ["sampler"], result
