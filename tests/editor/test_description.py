"""A long patch description is shown wrapped to the inspector's width once typed, and opens for more typing when
clicked (description_scenario.py, real clicks and typing on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.inspector import WIDTH
from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_long_description_is_shown_wrapped_and_edited_again_with_a_click() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.description_scenario")
    long = result["long"]
    assert result["field_first"], result  # empty: the field itself, to click into
    assert result["typed"] == long, result
    assert result["shown"] and not result["field_after"], result
    _, _, width, height = result["shown_rect"]
    assert width <= WIDTH and height >= 2 * result["line_height"], result  # wrapped: no wider, several lines
    assert result["field_again"] and result["active_again"], result  # a click on it: the field, typing goes there
    assert result["typed_more"] == long + " at night" == result["shown_more"], result
    assert result["undone"] == long == result["shown_undone"] and result["shown_after_undo"], result
