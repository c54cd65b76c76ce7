"""The status line is read whole in its tooltip (status_tip_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.status_tip_scenario import LONG
from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_status_cut_at_the_windows_edge_is_read_whole_in_its_tooltip() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.status_tip_scenario")
    assert result["cut"] and result["hovered"], result  # longer than the window: its end was nowhere to be read
    assert result["tip_shown"], result
    tip = result["tip"]
    assert isinstance(tip, str) and tip.endswith(LONG) and "\n" in tip, result  # a part a line
