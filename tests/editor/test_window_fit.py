"""The window ``exsampling edit`` opens fits the screen (window_fit_scenario.py, in a subprocess on the test
display, whose 1280x1024 screen is narrower than the editor's 1400x900), and how the size is chosen."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.screen import window_box
from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_the_editors_window_lies_inside_the_screen() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.window_fit_scenario")
    x, y, width, height = result["window"]
    screen_w, screen_h = result["screen"]
    assert x >= 0 and y >= 0 and x + width <= screen_w and y + height <= screen_h, result
    assert width >= 1200 and height == 900, result  # as large as fits: the editor's height, most of the width
    assert result["statusbar_bottom"] <= height, result


def test_the_window_is_made_smaller_only_where_the_screen_is() -> None:
    assert window_box((1400, 900), (1920, 1080)) == (260, 90, 1400, 900)  # fits: as asked, centred
    assert window_box((1400, 900), (1366, 768)) == (20, 40, 1326, 688)  # a laptop's: room for a title and a panel
    assert window_box((1400, 900), None) == (100, 100, 1400, 900)  # no screen known: as Dear PyGui would
