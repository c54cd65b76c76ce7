"""A duplicated (or pasted) node's id keeps the digits of its own (duplicate_id_scenario.py, real clicks and Ctrl+D
on the test display): "tr808" became "tr", and "mic 2" became "mic ", which the saved patch's loader refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.duplicate_id_scenario")


@pytest.mark.display
def test_a_duplicate_keeps_its_ids_own_digits_and_the_patch_saved_opens(result: dict[str, Any]) -> None:
    # A copy's own "_N" alone is taken off and counted anew: trim_2 duplicated is "trim" while that id is free.
    assert result["new"] == [["tr808_2"], ["mic 2_2"], ["trim"]], result
    assert result["saved"].startswith("saved "), result
    assert result["problems"] == [], result
