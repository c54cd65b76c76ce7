"""The node menu (a right click on a node): what applies to that node, or to the selection it is part of.

Rename... (the right-clicked node: its id field in the inspector takes the keyboard), Duplicate, Delete and Copy
call the editor's own actions, the ones the shortcuts call, so each edit is one undo step. A right click on empty
canvas opens the add-node pop-up instead (``add_popup.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.add_popup import popup_rect, window_size

MENU_W, MENU_H = 170, 120
#: The items, in order, each with the action's name (see :class:`NodeMenu`).
ITEMS = (("Rename...", "rename"), ("Duplicate", "duplicate"), ("Delete", "delete"), ("Copy", "copy"))

__all__ = ["ITEMS", "NodeMenu"]


class NodeMenu:
    """The menu. ``rename(node_id)`` renames the node right-clicked; ``duplicate``, ``delete`` and ``copy`` take the
    nodes the menu is for."""

    tag = "node_menu"

    def __init__(self, rename: Callable[[str], Any], duplicate: Callable[[list[str]], Any],
                 delete: Callable[[list[str]], Any], copy: Callable[[list[str]], Any]) -> None:
        self._actions: dict[str, Callable[[], Any]] = {
            "rename": lambda: rename(self.node_id) if self.node_id is not None else None,
            "duplicate": lambda: duplicate(self.node_ids),
            "delete": lambda: delete(self.node_ids),
            "copy": lambda: copy(self.node_ids),
        }
        self.node_id: str | None = None  # the node right-clicked
        self.node_ids: list[str] = []  # it, or the selection it is part of

    def item(self, action: str) -> str:
        """The tag of the item for ``action`` (one of :data:`ITEMS`' names)."""
        return f"{self.tag}:{action}"

    def build(self) -> None:
        with dpg.window(tag=self.tag, label="Node", show=False, popup=True, no_title_bar=True, autosize=True,
                        min_size=(MENU_W, 20)):
            dpg.add_text("", tag=f"{self.tag}:title", color=(170, 170, 170))
            for label, action in ITEMS:
                # Selectables, not menu items: those have no place on screen to read back (tests click them).
                dpg.add_selectable(label=label, tag=self.item(action), callback=self._on_item, user_data=action)

    @property
    def shown(self) -> bool:
        return dialogs.shown(self.tag)

    def open_at(self, mouse: tuple[float, float], node_id: str, node_ids: list[str]) -> None:
        """Show the menu at the mouse (inside the window) for ``node_ids``, ``node_id`` the one right-clicked (one
        of them)."""
        self.node_id, self.node_ids = node_id, list(node_ids)
        x, y, _, _ = popup_rect(mouse, window_size(mouse, (MENU_W, MENU_H)), (MENU_W, MENU_H))
        count = len(self.node_ids)
        dpg.set_value(f"{self.tag}:title", node_id if count == 1 else f"{count} nodes")
        dpg.configure_item(self.item("rename"), label=f"Rename {node_id}..." if count > 1 else "Rename...")
        dpg.configure_item(self.tag, show=True, pos=(x, y))
        dpg.focus_item(self.tag)

    def hide(self) -> None:
        if dpg.does_item_exist(self.tag):
            dpg.configure_item(self.tag, show=False)

    def choose(self, action: str) -> None:
        """Close the menu and do ``action`` (what a click on its item does)."""
        self.hide()
        self._actions[action]()

    def _on_item(self, sender: Any, app_data: Any, user_data: str) -> None:
        dpg.set_value(sender, False)  # a selectable stays highlighted once clicked: the menu is a menu
        self.choose(user_data)
