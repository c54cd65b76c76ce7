"""A slider of the inspector through real mouse and key events: one drag or one typed value is one edit, of the
value the slider shows.

The scenario (slider_scenario.py) runs in a subprocess on the test display; any traceback fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.slider_scenario")


@pytest.mark.display
def test_one_drag_of_a_slider_is_one_undo_step(result: dict[str, Any]) -> None:
    assert result["inspector"] == "gate", result
    assert result["dragged"] != result["before"], result  # the drag moved it
    assert result["drag_steps"] == 1, result  # not one step per frame of the drag
    assert result["after_undo"] == result["before"], result  # so one Ctrl+Z puts it back


@pytest.mark.display
def test_a_value_typed_into_a_slider_is_set_once_as_typed(result: dict[str, Any]) -> None:
    assert result["typed_steps"] == [0.35], result  # not 0.0 then 0.3 on the way, nor 0.3499999940395355
    assert result["typed"] == 0.35 and result["saved"] == 0.35, result
    assert result["too_big"] == 0.35 and "above its maximum" in result["too_big_error"], result
