"""The class-to-slot table in the inspector, in a real window: its tooltip wraps inside the window, a class is
found by typing into the filter, no key is cut off, and editing one row saves that one row only."""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.history import UNSET
from exsampling_patch.editor.table_param import TableEditor, matches, table_changes
from exsampling_patch.nodes.classify import SlotMap
from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE
from tests.editor.test_keys import run_scenario


def test_changes_are_the_rows_that_differ_from_the_default() -> None:
    default = {"dog": "Bass", "cat": "Chorus", "rain": "Wind"}
    assert table_changes(dict(default), default) == {}
    assert table_changes({"dog": "HH", "cat": "Chorus", "kazoo": "TT"}, default) == {
        "dog": "HH", "kazoo": "TT", "rain": ""}
    assert matches(["electric_piano_organ", "Piano"], "Piano Organ") and not matches(["dog", "Bass"], "bass")



def test_a_table_that_starts_empty_shows_and_saves_the_patch_rows_alone() -> None:
    param = SlotMap.param_specs["table"]
    empty = TableEditor(param, {"dog": "Kick"}, "t", 200, [], lambda v: None,
                        {"base_table": "empty"})
    assert empty.rows == [["dog", "Kick"]]  # no shipped row
    empty.rows.append(["rain", "Pad"])
    assert empty.value() == {"dog": "Kick", "rain": "Pad"}
    empty.rows.clear()
    assert empty.value() is UNSET  # no rows: the parameter is cleared, the table stays empty
    assert TableEditor(param, None, "t", 200, [], lambda v: None, {"base_table": "empty"}).rows == []
    shipped = TableEditor(param, {"dog": "Kick"}, "t", 200, [], lambda v: None, {"base_table": "shipped"})
    assert len(shipped.rows) == len(DEFAULT_SLOT_TABLE) and ["dog", "Kick"] in shipped.rows
    assert shipped.value() == {"dog": "Kick"}  # the changes to the shipped table

def test_the_filter_finds_a_class_only_in_a_class_table(built_app: EditorApp) -> None:
    for type_name in ("slot_map", "sampler"):
        built_app.add_node(type_name)
    built_app.inspector.show("sampler")  # note_ranges: slot name -> notes
    assert dpg.get_item_configuration("param:sampler:note_ranges:filter")["hint"] == "find a row (0 rows)"
    built_app.inspector.show("slot_map")  # label -> slot
    hint = dpg.get_item_configuration("param:slot_map:table:filter")["hint"]
    assert hint == f"find a class ({len(DEFAULT_SLOT_TABLE)} rows)", hint


@pytest.mark.display
def test_filter_edit_one_row_and_save() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.table_scenario")
    assert result["inspector"] == "map", result
    assert result["tooltip_visible"] and result["tooltip_right"] <= result["window_width"], result
    assert result["shown"] == [result["longest"]], result  # typed into the filter: that class only
    assert result["key_width"] >= result["key_text_width"] + 6, result  # the longest key shows whole
    assert result["filter_kept"] == [result["longest"]], result  # the filter stays after an edit
    assert result["saved_table"] == {result["longest"]: result["new_slot"]}, result  # that one row, no other
