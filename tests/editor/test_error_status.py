"""A node in error is named in the status bar while the patch runs, also out of view, until it works again
(error_status_scenario.py, real keys on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_failing_node_out_of_view_is_named_in_the_status_bar() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.error_status_scenario")
    assert result["running"] and result["idle"] and result["idle_again"], result
    assert "error" not in result["status_running"], result
    assert not result["library_visible"], result  # panned away: only the status bar can tell
    assert "error on library" in result["status_error"], result
    assert "error" not in result["status_good"], result  # it wrote the good take: working again
    assert "error" not in result["status_stopped"], result
