"""F5 and Shift+F5 while a field is typed in (typing_run_scenario.py, real keys on the test display): F5 says
that what is being typed is not taken yet (it did nothing and said nothing), and Shift+F5 stops the patch at once
(it did nothing: keys belonged to the field)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.typing_run_scenario")


@pytest.mark.display
def test_f5_while_typing_says_to_take_the_value_first(result: dict[str, Any]) -> None:
    assert result["typing"] == ["not run: press Enter (or click elsewhere) to take what is being typed, then F5",
                                False, None], result
    assert result["taken"] == [True, "inbox"], result


@pytest.mark.display
def test_shift_f5_while_typing_stops_the_patch(result: dict[str, Any]) -> None:
    assert result["stopped"] == [False, True], result


@pytest.mark.display
def test_f5_while_typing_a_search_runs_the_patch(result: dict[str, Any]) -> None:
    # It said "press Enter ... then F5": Enter in the palette's search adds its first type to the patch.
    running, status, typing = result["searching"]
    assert running and typing, result
    assert "press Enter" not in status, result
