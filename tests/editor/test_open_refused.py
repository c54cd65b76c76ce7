"""A file that is no patch, chosen in the Open dialog through real keys and clicks, shows why in the message window,
and Esc closes it (open_refused_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.open_refused_scenario")


@pytest.mark.display
def test_a_file_typed_in_the_open_dialog_that_is_no_patch_shows_why(result: dict[str, Any]) -> None:
    typed = result["typed"]
    assert typed["status"].startswith("cannot open") and typed["path"].endswith("p.yaml"), typed  # p.yaml stays
    assert typed["shown"] and typed["title"].startswith("Cannot open"), typed
    assert "broken.yaml:5" in typed["text"] and "YAML syntax error" in typed["text"], typed
    assert not result["after_escape"], result


@pytest.mark.display
def test_a_file_clicked_then_opened_that_is_no_patch_shows_why(result: dict[str, Any]) -> None:
    assert result["clicked"]["shown"] and "YAML syntax error" in result["clicked"]["text"], result
