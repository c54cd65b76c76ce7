"""The performance view's slot table fits a 1280 px wide window with a show's takes loaded: every row's lock,
gain, history and roll back in sight, long take ids and fates cut with "..." and told in full in tooltips.

The scenario (perf_width_scenario.py) runs in a subprocess on the test display with the default patch running.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.perf_width_scenario import CONTROLS
from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def width() -> dict[str, Any]:
    return run_scenario("tests.editor.perf_width_scenario")


@pytest.mark.display
def test_every_slot_rows_controls_lie_within_the_pane_at_1280_px(width: dict[str, Any]) -> None:
    assert width["viewport"][0] == 1280, width["viewport"]
    left, right = width["pane_x"]
    rows = width["rows"]
    assert len(rows) == 8, list(rows)
    for name, row in rows.items():
        for part in CONTROLS:
            x0, _, x1, _ = row[part]
            assert left <= x0 and x1 <= right, (name, part, row[part], width["pane_x"])
            assert row["visible"][part], (name, part)
    assert not width["errors"], width["errors"]


@pytest.mark.display
def test_long_take_ids_and_fates_are_cut_and_told_in_full_in_tooltips(width: dict[str, Any]) -> None:
    for name, shown in width["shown"].items():
        loaded, ended = width["loaded"][name], width["ended"][name]
        assert shown["take"].endswith("...") and loaded.startswith(shown["take"][:-3]), shown
        assert loaded in shown["take_tip"], shown
        assert ended in shown["fate_tip"], shown  # the last take's id, cut from the cell, in its tooltip
        word = shown["fate"].removesuffix("...")  # what became of it, cut at most
        assert word in ("loaded", "skipped: locked") or shown["fate"].endswith("..."), shown
        assert shown["fate_tip"].startswith(f"last take {ended} {word}"), shown


@pytest.mark.display
def test_the_pairing_url_lies_within_its_pane_and_is_said_to_go_on_where_cut(width: dict[str, Any]) -> None:
    pairing = width["pairing"]
    assert pairing["url"].startswith("http") and "token=" in pairing["url"], pairing
    x0, _, x1, _ = pairing["field"]
    assert pairing["pane"][0] <= x0 and x1 <= pairing["pane"][2], pairing  # not cut by the pane's edge
    cut = pairing["text_w"] + 8 > x1 - x0  # longer than its field (its text starts 4 px in)
    assert pairing["more"] == cut, pairing  # then it says so, in sight
    assert "goes on" in pairing["more_text"], pairing
