"""A patch a little narrower than the view shows whole on Home, and the status bar says so, not that it is
larger than the view (fits_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_patch_narrower_than_the_view_less_its_margins_shows_whole() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.fits_scenario")
    assert result["status"] == "the whole patch is in view", result
    left, top, width, height = result["canvas"]
    assert sorted(result["rects"]) == sorted(result["nodes"]), result  # every node drawn
    for x0, y0, x1, y1 in result["rects"].values():
        assert left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height, result
