"""A link dragged again where it already is (relink_scenario.py, real mouse events on the test display): imnodes
makes none, and the status bar says the link is there already (it said nothing, whichever end the drag began at)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.relink_scenario")


@pytest.mark.display
def test_a_link_dragged_again_is_told_to_be_there_already(result: dict[str, Any]) -> None:
    told = "no link made: trim.out -> classifier.take is there already"
    assert result["drops"] == [[told, ["trim.out -> classifier.take"]]] * 2, result
