"""The class-to-slot table in the inspector, in a real window: its tooltip wraps inside the window, a class is
found by typing into the filter, no key is cut off, and editing one row saves that one row only."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from exsampling_patch.editor.table_param import matches, table_changes
from tests.editor.test_keys import run_scenario


def test_changes_are_the_rows_that_differ_from_the_default() -> None:
    default = {"dog": "Bass", "cat": "Chorus", "rain": "Wind"}
    assert table_changes(dict(default), default) == {}
    assert table_changes({"dog": "HH", "cat": "Chorus", "kazoo": "TT"}, default) == {
        "dog": "HH", "kazoo": "TT", "rain": ""}
    assert matches(["electric_piano_organ", "Piano"], "Piano Organ") and not matches(["dog", "Bass"], "bass")


@pytest.mark.display
@pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool (scripts/bootstrap.sh installs it)")
def test_filter_edit_one_row_and_save() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.table_scenario")
    assert result["inspector"] == "map", result
    assert result["tooltip_visible"] and result["tooltip_right"] <= result["window_width"], result
    assert result["shown"] == [result["longest"]], result  # typed into the filter: that class only
    assert result["key_width"] >= result["key_text_width"] + 6, result  # the longest key shows whole
    assert result["filter_kept"] == [result["longest"]], result  # the filter stays after an edit
    assert result["saved_table"] == {result["longest"]: result["new_slot"]}, result  # that one row, no other
