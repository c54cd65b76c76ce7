"""Text fields that keep what was typed when they are left (a click elsewhere), as when Enter is pressed.

The inspector's text fields take their value on Enter (``on_enter``: a value typed half-way is no edit). Left
with a click elsewhere, the typed text stayed in the field as if taken, but the patch never had it: it went
when the inspector was next drawn, and a save wrote the old value. Leaving a field now does what Enter does.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

_HANDLERS = "fields:commit_on_leave"


def commit_on_leave(item: int | str) -> None:
    """Make leaving ``item`` after an edit call its callback with its value, as Enter does (the model takes an
    unchanged value as no edit, so Enter followed by the leaving it causes makes one edit)."""
    if not dpg.does_item_exist(_HANDLERS):
        with dpg.item_handler_registry(tag=_HANDLERS):
            dpg.add_item_deactivated_after_edit_handler(callback=_left)
    dpg.bind_item_handler_registry(item, _HANDLERS)


def _left(sender: Any, item: Any, user_data: Any = None) -> None:
    if not dpg.does_item_exist(item):  # gone with the inspector's rebuild (Enter renamed its node)
        return
    callback = dpg.get_item_callback(item)
    if callback is not None:
        callback(item, dpg.get_value(item), dpg.get_item_user_data(item))
