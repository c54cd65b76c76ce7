"""Enter answers the unsaved-changes prompt (Save) and closes the message window (prompt_keys_scenario.py, in a
subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_enter_saves_at_the_prompt_and_closes_the_message() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.prompt_keys_scenario")
    assert result["prompt_shown"] and not result["prompt_after"], result
    assert result["saved"] and result["new"] == [[], True], result
    assert result["message_shown"] and not result["message_after"], result
