"""A table parameter in the inspector (the slot map's class-to-slot table): a filter field, then one row per key.

The key column is as wide as the longest key, so that no class name is cut off; the table scrolls (both ways)
inside a box of its own instead of stretching the inspector. A table parameter that lists changes to its
default (``Param(merge=True)``, the slot map's) shows the table in effect, and an edit stores only the rows
that differ from the default: editing one row of the 77 changes one row of the saved patch. Where the table
starts empty instead (the slot map's ``base_table: empty``), it shows and stores the patch's rows alone.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.fields import commit_on_leave
from exsampling_patch.editor.history import UNSET
from exsampling_patch.editor.params import rows_to_table, table_rows
from exsampling_patch.node import Param
from exsampling_patch.wording import counted

CHAR_W = 7.0  # the default font's advance (ProggyClean, 13 px), when Dear PyGui cannot measure yet
CELL_PAD = 12  # a cell's frame padding and the column's own padding
VALUE_W, REMOVE_W = 84, 20
ROWS_SHOWN = 14  # rows in view before the table scrolls
ROW_H = 23

#: The filter typed for each table (by widget tag): the inspector is rebuilt after each edit, the filter stays.
_FILTERS: dict[str, str] = {}


def table_changes(table: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    """The rows of ``table`` that differ from ``default``, and each default row that ``table`` lacks, given
    an empty value (which removes it): what a patch lists for a table parameter with ``merge``."""
    changes = {k: v for k, v in table.items() if k not in default or default[k] != v}
    changes.update({k: "" for k in default if k not in table})
    return changes


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().lower())


def matches(row: list[str], search: str) -> bool:
    """Whether a row shows for the filter ``search``: in its key, case, spaces, '-' and '_' aside."""
    words = _norm(search).strip("_")
    return not words or words in _norm(row[0])


def text_width(text: str) -> float:
    size = dpg.get_text_size(text) if dpg.is_dearpygui_running() else None
    return float(size[0]) if size and size[0] > 0 else len(text) * CHAR_W


class TableEditor:
    """The widgets of one table parameter under ``tag``; ``commit(value)`` sets the parameter (``UNSET``
    clears it) and returns why a value is refused, or None. ``given`` is the patch's value (None: not set);
    ``params`` the node's other values in effect (a ``merge`` table's ``base`` among them)."""

    def __init__(self, param: Param[Any], given: Any, tag: str, width: int, slots: list[str],
                 commit: Callable[[Any], str | None], params: dict[str, Any] | None = None,
                 key_noun: str = "row") -> None:
        self.param, self.tag, self.width, self.slots, self.commit = param, tag, width, slots, commit
        self.key_noun = key_noun  # what the filter finds: "class" in a class-to-slot table
        #: What the rows change: with ``merge``, the default or (base 'empty') nothing; without, not used.
        self.default: dict[str, Any] = param.base_of(params) if param.merge else {}
        if param.merge:
            table = param.in_effect(given if isinstance(given, dict) else None, params)
        else:
            table = given if isinstance(given, dict) else param.default if isinstance(param.default, dict) else {}
        self.rows = [list(r) for r in table_rows(table)]

    def build(self) -> None:
        tag = self.tag
        search = _FILTERS.get(tag, "")
        count = counted(len(self.rows), "row")
        dpg.add_input_text(tag=f"{tag}:filter", hint=f"find a {self.key_noun} ({count})", width=self.width,
                           default_value=search, callback=self._on_filter)
        key_w = max([text_width(k) for k, _ in self.rows] + [text_width("key")]) + CELL_PAD
        height = (min(len(self.rows), ROWS_SHOWN) + 1) * ROW_H + 6
        with dpg.table(tag=tag, header_row=True, width=self.width, height=height, borders_innerH=True,
                       scrollX=True, scrollY=True, freeze_rows=1, policy=dpg.mvTable_SizingFixedFit):
            dpg.add_table_column(label="key", width_fixed=True, init_width_or_weight=key_w)
            dpg.add_table_column(label="value", width_fixed=True, init_width_or_weight=VALUE_W)
            dpg.add_table_column(label="", width_fixed=True, init_width_or_weight=REMOVE_W)
            for i, (key, text) in enumerate(self.rows):
                changed = bool(self.default) and (key not in self.default or self.default[key] != text)
                with dpg.table_row(tag=f"{tag}:{i}:row", show=matches([key, text], search)):
                    dpg.add_input_text(default_value=key, tag=f"{tag}:{i}:key", width=-1, on_enter=True,
                                       callback=self._on_cell, user_data=(i, 0))
                    commit_on_leave(f"{tag}:{i}:key")  # a cell left after typing keeps it, as on Enter
                    if changed:
                        with dpg.tooltip(f"{tag}:{i}:key"):
                            dpg.add_text(f"changed from the default ({self.default.get(key, 'not in it')})",
                                         wrap=300)
                    if self.slots:
                        dpg.add_combo([*self.slots, *([text] if text not in self.slots else [])], default_value=text,
                                      tag=f"{tag}:{i}:value", width=-1, callback=self._on_cell, user_data=(i, 1))
                    else:
                        dpg.add_input_text(default_value=text, tag=f"{tag}:{i}:value", width=-1, on_enter=True,
                                           callback=self._on_cell, user_data=(i, 1))
                        commit_on_leave(f"{tag}:{i}:value")
                    dpg.add_button(label="x", tag=f"{tag}:{i}:remove", callback=self._on_remove_row, user_data=i)
        dpg.add_button(label="+ row", tag=f"{tag}:add", callback=self._on_add_row)

    def value(self) -> Any:
        """The parameter's value for the rows shown: the whole table, or with ``merge`` only its changes."""
        table = rows_to_table([(k, v) for k, v in self.rows])
        if not self.param.merge:
            return table
        return table_changes(table, self.default) or UNSET

    def _on_filter(self, sender: Any, app_data: str, user_data: Any = None) -> None:
        _FILTERS[self.tag] = app_data
        for i, row in enumerate(self.rows):
            try:
                dpg.configure_item(f"{self.tag}:{i}:row", show=matches(row, app_data))
            except Exception:  # gone: a callback run before this one, after the same frame, rebuilt the inspector
                continue

    def _on_cell(self, sender: Any, app_data: str, user_data: tuple[int, int]) -> None:
        row, column = user_data
        taken = column == 0 and any(i != row and key.strip() == app_data.strip() and key.strip()
                                    for i, (key, _) in enumerate(self.rows))
        if taken:  # one table key per row: the two rows became one, the other's value lost without a word
            # Gone, as in _on_filter: a callback run before this one, after the same frame, rebuilt the inspector.
            with contextlib.suppress(Exception):
                dpg.set_value(sender, self.rows[row][0])
                dpg.set_value(f"{self.tag}:error", f"'{app_data.strip()}' has a row already: change that one")
                dpg.configure_item(f"{self.tag}:error", show=True)
            return
        self.rows[row][column] = app_data
        self.commit(self.value())

    def _on_add_row(self, sender: Any = None, app_data: Any = None, user_data: Any = None) -> None:
        key, n = "new", 2
        while any(r[0] == key for r in self.rows):
            key, n = f"new_{n}", n + 1
        self.rows.append([key, self.slots[0] if self.slots else ""])
        _FILTERS.pop(self.tag, None)  # the new row must show
        self.commit(self.value())

    def _on_remove_row(self, sender: Any, app_data: Any, user_data: int) -> None:
        del self.rows[user_data]
        self.commit(self.value())
