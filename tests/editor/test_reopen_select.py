"""Opening a patch leaves nothing of it selected, whatever was selected in the patch before, and the compact
display keeps the node selected (reopen_select_scenario.py, real clicks and keys in a subprocess on the test
display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.scenario_worker import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.reopen_select_scenario")


@pytest.mark.display
def test_delete_after_opening_a_patch_deletes_nothing_of_it(result: dict[str, Any]) -> None:
    assert result["selected_before"] == ["log"], result  # the click really selected it
    assert result["selected_after"] == [] and result["inspector"] is None, result
    assert result["nodes"] == ["inbox", "library", "log"], result  # Delete deleted 'inbox' of the patch opened


@pytest.mark.display
def test_delete_after_the_compact_display_deletes_the_node_selected(result: dict[str, Any]) -> None:
    assert result["selected_compact"] == ["library"], result
    assert result["nodes_compact"] == ["inbox", "log"], result
