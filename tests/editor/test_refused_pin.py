"""A refused link's reason leaves the input's pin beside its name (refused_pin_scenario.py, real mouse events)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_link_dragged_to_an_input_after_one_was_refused_there_is_made() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.refused_pin_scenario")
    assert result["refusal_shown"], result
    # The reason was written in the input's row: imnodes drew the pin at the middle of it and the reason, below
    # the input's name and where the link hints have the pin, and the drag there made no link.
    assert result["links"] == ["src.take -> tr.take"], result
