"""A file dialog takes the name typed as soon as it shows: Ctrl+S, a name, Enter saves a new patch; Ctrl+O, a
name, Enter opens one (dialog_keys_scenario.py, in a subprocess on the test display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_name_typed_into_a_file_dialog_at_once_is_taken() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.dialog_keys_scenario")
    work = Path(result["work"])
    assert result["saved"] == str(work / "mine.yaml") and result["file"], result
    assert result["new"] == [], result
    assert result["opened"] == str(work / "mine.yaml") and result["nodes"] == ["log"], result
