"""Ctrl+Z after Delete selects the nodes it brings back (undo_scenario.py, real keys on the test display)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_undoing_a_delete_selects_the_nodes_it_brings_back() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.undo_scenario")
    assert result["clicked"] == ["gate"] and result["deleted"] and result["restored"], result
    assert result["selection"] == ["gate"] and result["marked"] and result["inspector"] == "gate", result
    assert result["deleted_again"], result  # the next Delete takes it again
    assert result["pair_deleted"], result
    assert result["pair_selection"] == result["pair"] and result["pair_marked"] == [True, True], result
    assert result["after_empty_click"] == [], result
