"""A node added from the add-node pop-up is told in the status bar (add_status_scenario.py, real events on the test
display), as its undo is: a link refused just before ("would close a cycle") stayed there, read as said of the node
just added."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.add_status_scenario")


@pytest.mark.display
def test_a_node_added_is_told_as_added(result: dict[str, Any]) -> None:
    assert "would close a cycle" in result["refused"], result
    assert result["nodes"] == ["log", "norm", "pitch", "trim"], result
    assert result["added"] == "added log", result
    assert result["undone"] == "undid add log", result
