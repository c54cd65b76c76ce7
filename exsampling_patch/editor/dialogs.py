"""File dialogs made on demand: a hidden Dear PyGui file dialog still costs milliseconds every frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

_finished: list[str] = []


def ask_path(tag: str, label: str, on_path: Callable[[str], Any], directory: bool = False,
             default_path: str = "", extensions: tuple[str, ...] = (".yaml",)) -> None:
    """Show a file (or folder) dialog; ``on_path`` gets the chosen path. The dialog goes once answered."""
    if dpg.does_item_exist(tag):
        dpg.delete_item(tag)

    def answered(sender: Any, app_data: dict[str, Any], user_data: Any = None) -> None:
        _finished.append(tag)
        path = (app_data or {}).get("file_path_name")
        if path:
            on_path(str(path))

    def cancelled(sender: Any, app_data: Any, user_data: Any = None) -> None:
        _finished.append(tag)

    with dpg.file_dialog(tag=tag, label=label, width=700, height=450, modal=True, directory_selector=directory,
                         default_path=default_path, callback=answered, cancel_callback=cancelled):
        if not directory:
            for extension in extensions:
                dpg.add_file_extension(extension, color=(120, 220, 140))
            dpg.add_file_extension(".*")


def collect() -> None:
    """Delete answered dialogs (called once a frame: an item is not deleted inside its own callback)."""
    while _finished:
        tag = _finished.pop()
        if dpg.does_item_exist(tag):
            dpg.delete_item(tag)
