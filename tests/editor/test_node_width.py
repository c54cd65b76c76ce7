"""A node showing a live line, a refused link or an error stays as wide as it was, so that it does not cover its
neighbour: the live line is cut with an ellipsis (whole in its tooltip), messages wrap (node_width_scenario.py,
real mouse events in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario

#: The default patch puts its nodes 240 px apart: a node wider than this covers the next one's input pins.
MAX_WIDTH = 228


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.node_width_scenario")


@pytest.mark.display
def test_a_refused_link_wraps_within_the_node(result: dict[str, Any]) -> None:
    assert result["overlaps_before"] == [] and max(result["widths_before"].values()) <= MAX_WIDTH, result
    assert result["refusal_shown"] and "cannot feed a take input" in result["refusal"], result
    assert max(result["widths_refused"].values()) <= MAX_WIDTH, result
    assert result["overlaps_refused"] == [], result


@pytest.mark.display
def test_a_long_live_line_is_cut_and_whole_in_its_tooltip(result: dict[str, Any]) -> None:
    assert result["live"] == "last file 1-100032-A-0.flac...", result  # the takes count cut
    assert set(result["widths_live"]) >= {"recorder", "trim"}, result  # both drawn, read on screen
    assert max(result["widths_live"].values()) <= MAX_WIDTH, result  # the error on the trim wraps too
    assert result["overlaps_live"] == [], result
    assert result["tooltip"] == "last file 1-100032-A-0.flac  |  takes 1", result
    assert not result["tooltip_visible_before"] and result["tooltip_visible"], result
    assert result["short_live"] == "takes 3", result


def test_a_live_line_keeps_its_first_parts() -> None:
    from exsampling_patch.editor.node_line import fit_line

    def width(text: str) -> float:  # the default font: 7 px a character
        return 7.0 * len(text)

    parts = ["dog 90%", "slot Bass", "42 ms"]
    assert fit_line(parts, 220, width) == "dog 90%  |  slot Bass  |  42 ms"
    assert fit_line(parts, 190, width) == "dog 90% | slot Bass | 42 ms"  # tighter separators first
    assert fit_line(parts, 180, width) == "dog 90% | slot Bass | ..."  # then the last parts go
    assert fit_line(parts, 100, width) == "dog 90% | ..."
    cut = fit_line(["last file 1-100032-A-0.flac", "takes 1"], 140, width)  # then the first part is cut
    assert cut == "last file 1-10003..." and width(cut) <= 140
    assert fit_line(["anything"], 10, width) == "..."  # nothing fits: the ellipsis says something is there
