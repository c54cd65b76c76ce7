"""A table parameter's filter typed into while the inspector is rebuilt: a row may be gone when it is shown.

Typing into the filter runs :meth:`TableEditor._on_filter` on Dear PyGui's callback thread, while the frame loop
(main thread) rebuilds the inspector when the selected node changes, deleting the table's rows.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.table_param import TableEditor
from exsampling_patch.nodes.classify import SlotMap


def test_filtering_skips_a_row_deleted_just_before_it_is_shown_or_hidden(context: None,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    editor = TableEditor(SlotMap.param_specs["table"], {"cat": "Pad", "dog": "Kick", "rain": "Wind"}, "race:map",
                         200, [], lambda value: None, {"base_table": "empty"})
    with dpg.window():
        editor.build()
    configure = dpg.configure_item

    def rebuilt_meanwhile(item: int | str, **options: Any) -> None:
        if item == "race:map:1:row" and dpg.does_item_exist(item):
            dpg.delete_item(item)  # the inspector rebuilt, after the filter found this row
        configure(item, **options)

    monkeypatch.setattr(dpg, "configure_item", rebuilt_meanwhile)
    editor._on_filter("race:map:filter", "rain")
    monkeypatch.undo()
    assert [row[0] for row in editor.rows] == ["cat", "dog", "rain"]
    assert not dpg.get_item_configuration("race:map:0:row")["show"]
    assert dpg.get_item_configuration("race:map:2:row")["show"]
