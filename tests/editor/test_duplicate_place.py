"""Ctrl+D put its copy 40 down and right of the node, over most of it (and over whatever was there), where a paste
of the same nodes lands whole in view and clear of every node: now it goes where that paste goes
(duplicate_place_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario
from tests.editor.test_paste_group import overlap


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_scenario("tests.editor.duplicate_place_scenario", str(tmp_path_factory.mktemp("duplicate-place")))


@pytest.mark.display
@pytest.mark.parametrize("group", ["one", "row"])
def test_a_duplicate_lands_where_a_paste_of_the_same_nodes_does(result: dict[str, Any], group: str) -> None:
    duplicated, pasted = result[f"{group}_duplicated"], result[f"{group}_pasted"]
    assert duplicated["status"].startswith("duplicated") and pasted["status"].startswith("pasted"), result
    assert duplicated["positions"] == pasted["positions"], result
    left, top, width, height = duplicated["canvas"]
    for box in duplicated["rects"]:  # drawn whole inside the canvas
        assert box is not None and left <= box[0] and box[2] <= left + width, duplicated
        assert top <= box[1] and box[3] <= top + height, duplicated
    assert not [(a, b) for a in duplicated["rects"] for b in duplicated["others"] if overlap(a, b)], duplicated
