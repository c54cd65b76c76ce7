"""While a link is dragged from an output, the inputs it may go to are lit and the others dimmed (issue 17), and
dragged from an input, the outputs that may feed it, through real mouse events (links_scenario.py, in a
subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.links_scenario")


@pytest.mark.display
def test_dragging_a_link_lights_the_inputs_that_fit_and_dims_the_others(result: dict[str, Any]) -> None:
    assert result["dragging_from"] == "inbox.take", result
    # The rule that refuses links: a take goes to trim's take and to log's message (any type, many links),
    # not to the MIDI output's slot, MIDI or control inputs.
    assert result["fits"] == {"log.message": True, "out.assignment": False, "out.control": False,
                              "out.midi": False, "trim.take": True}, result
    themes = result["themes"]
    assert themes["in:trim.take"] == themes["in:log.message"] == result["fit_theme"], result
    assert themes["in:out.assignment"] == result["dim_theme"] != result["fit_theme"], result
    # The drop made the link (the press started imnodes' own drag), and the pins have their own colours again.
    assert "inbox.take -> trim.take" in result["links"], result
    assert result["fits_after"] == 0 and result["theme_after"] == result["type_theme"], result


@pytest.mark.display
def test_dragging_a_link_from_an_input_lights_the_outputs_that_may_feed_it(result: dict[str, Any]) -> None:
    assert result["input_dragging_from"] == "log.message", result
    # The log takes anything: the source's take and the trim's output may feed it; not the link's end at the trim's
    # "take" output, which the trim's type lacks (a pin kept for a link of the file).
    assert result["input_fits"] == {"inbox.take": True, "trim.out": True, "trim.take": False}, result
    themes = result["output_themes"]
    assert themes["out:inbox.take"] == result["fit_theme"] and themes["out:trim.take"] == result["dim_theme"], result
    assert "inbox.take -> log.message" in result["links_after_input_drag"], result  # the drag made the link
    assert result["input_fits_after"] == 0 and result["output_theme_after"] == result["output_type_theme"], result


@pytest.mark.display
def test_a_drop_imnodes_refuses_says_why(result: dict[str, Any]) -> None:
    outputs, inputs, itself = result["no_link_said"]
    assert "inbox.take and trim.out are both outputs" in outputs, result
    assert "trim.take and out.assignment are both inputs" in inputs, result
    assert "trim.out and trim.take are on the same node" in itself, result
    assert result["links_unchanged"], result
