"""A node in error is named in the status bar while the patch runs, also out of view, until it works again or its
device opens again (error_status_scenario.py, real keys on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_failing_node_out_of_view_is_named_in_the_status_bar() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.error_status_scenario")
    assert result["running"] and result["idle"] and result["idle_again"], result
    assert "error" not in result["status_running"], result
    # The output lost its device: its badge is drawn; it opened it again by itself: the badge goes, no message
    # having passed (as the stage console prints "speaker is back").
    lost, back = result["speaker_lost"], result["speaker_back"]
    assert lost["shown"] and lost["visible"] and "JACK server went away" in lost["text"], result
    assert "error on speaker" in result["status_speaker_lost"], result
    assert not back["shown"] and "error" not in result["status_speaker_back"], result
    assert not result["library_visible"], result  # panned away: only the status bar can tell
    assert "error on library" in result["status_error"], result
    assert "error" not in result["status_good"], result  # it wrote the good take: working again
    assert "error" not in result["status_stopped"], result
