"""The first node added to an empty patch lands at the right click that placed it, as the next ones do
(first_node_scenario.py, real clicks and keys on the test display): with no node drawn to tell where the canvas
is, the editor took the tab's corner for it, and the node landed 8 px right of and 54 px below the mouse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.first_node_scenario")


@pytest.mark.display
def test_the_first_node_of_an_empty_patch_lands_at_the_mouse(result: dict[str, Any]) -> None:
    assert result["corners"] == [[list(spot)] for spot in result["spots"]], result
