"""The palette (left): a search field and the node types by family; a click on one adds a node.

The add-node pop-up (:mod:`exsampling_patch.editor.add_popup`) lists the types with the same filler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.palette import grouped, palette_entries
from exsampling_patch.registry import Registry


class PaletteView:
    """``add(type_name)`` adds a node of a type picked; ``picked()`` runs after (the pop-up closes)."""

    search = "palette:search"
    list = "palette:list"

    def __init__(self, registry: Callable[[], Registry], add: Callable[[str], Any], picked: Callable[[], Any]) -> None:
        self.registry = registry
        self.add = add
        self.picked = picked
        # Whether the search field took the keyboard (clicked, typed in) since the last click elsewhere or Enter: its
        # focus alone is no sign of it. Dear PyGui gives the focus back to the window's first field (this one) when the
        # inspector is rebuilt under an open combo (Ctrl+A with a slot's list open), and Enter then added a
        # folder_source, without its folder, to the running patch.
        self._typed_in = False
        # The mouse buttons down in the frame whose handlers run (see _on_mouse_down), not read live: on Dear PyGui's
        # callback thread the handlers ran behind the frames on a loaded machine, and a click elsewhere let go by the
        # time _on_deactivated ran left the field counted as typed in. They now run right after their frame
        # (callbacks.py), but a handler held back (late_palette_scenario.py) still reads its own frame.
        self._down_then: set[int] = set()

    def build(self) -> None:
        """The search field and the list, in the container being built; Enter in the field adds the first type
        listed, as in the add-node pop-up (typed without the mouse, the type was then clicked)."""
        dpg.add_input_text(tag=self.search, hint="search (Enter: add first)", width=-1,
                           callback=lambda s, a, u=None: self.fill(self.list, a))
        dpg.add_group(tag=self.list)
        with dpg.handler_registry(tag=f"{self.search}:keys"):
            dpg.add_key_press_handler(dpg.mvKey_Return, callback=self._on_enter)
            dpg.add_key_press_handler(dpg.mvKey_NumPadEnter, callback=self._on_enter)
            # A frame queues the handler registries' handlers before the items' own (the field's deactivated one)
            dpg.add_mouse_down_handler(button=dpg.mvMouseButton_Left, callback=self._on_mouse_down)
            dpg.add_mouse_down_handler(button=dpg.mvMouseButton_Right, callback=self._on_mouse_down)
        with dpg.item_handler_registry(tag=f"{self.search}:handlers"):
            dpg.add_item_activated_handler(callback=self._on_activated)
            dpg.add_item_deactivated_handler(callback=self._on_deactivated)
            dpg.add_item_visible_handler(callback=self._end_frame)  # after the others: the frame's last
        dpg.bind_item_handler_registry(self.search, f"{self.search}:handlers")

    def _on_activated(self, sender: Any = None, app_data: Any = None) -> None:
        self._typed_in = True

    def _on_mouse_down(self, sender: Any = None, app_data: Any = None) -> None:
        """A mouse-down handler: Dear PyGui queues it each frame a button is down (``app_data``: the button and how
        long it has been down, read when the handler runs)."""
        self._down_then.add(int(app_data[0]))

    def _end_frame(self, sender: Any = None, app_data: Any = None) -> None:
        self._down_then = set()

    def _on_deactivated(self, sender: Any = None, app_data: Any = None) -> None:
        if self._down_then & {dpg.mvMouseButton_Left, dpg.mvMouseButton_Right}:
            self._typed_in = False  # left by a click elsewhere, not by Enter

    def _on_enter(self, sender: Any = None, app_data: Any = None) -> None:
        # Enter has ended the field's editing by now (it is no longer active), but it keeps the keyboard focus.
        if not dpg.does_item_exist(self.search) or not dpg.is_item_focused(self.search):
            self._typed_in = False
            return
        if not self._typed_in:
            return
        # Enter ended the typing, with no mouse button down for _on_deactivated to see: the focus given back to the
        # field later (a combo left open under Ctrl+A) would add the search's first type again.
        self._typed_in = False
        for entries in grouped(palette_entries(self.registry()), dpg.get_value(self.search) or "").values():
            self.add(entries[0].type_name)
            self.picked()
            return

    def fill(self, container: str, search: str) -> None:
        """The node types that match ``search``, grouped by family; a click adds one."""
        dpg.delete_item(container, children_only=True)
        prefix = "palette" if container == self.list else "add_popup"
        groups = grouped(palette_entries(self.registry()), search or "")
        if not groups:
            dpg.add_text("no node type matches", parent=container, color=(150, 150, 150))
        for family, entries in groups.items():
            with dpg.collapsing_header(label=family, parent=container, default_open=True):
                for entry in entries:
                    item = dpg.add_selectable(label=entry.type_name, tag=f"{prefix}:{entry.type_name}",
                                              callback=self._on_pick, user_data=entry.type_name)
                    with dpg.tooltip(item):
                        dpg.add_text(entry.doc, wrap=320)
                        dpg.add_text(entry.ports, color=(170, 170, 170), wrap=320)

    def _on_pick(self, sender: Any, app_data: Any, user_data: str) -> None:
        if dpg.does_item_exist(sender):
            dpg.set_value(sender, False)  # a selectable stays highlighted otherwise
        self.add(user_data)
        self.picked()
