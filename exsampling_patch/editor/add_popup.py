"""The add-node pop-up (a right click on the canvas): a search field that has the keyboard when it opens, the
node types that match, and Enter adds the first of them.

Each opening starts afresh (empty search, the whole list) and the pop-up is sized and placed to lie inside the
window, however close to an edge the click was; the list scrolls inside it instead of growing past the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.palette import grouped, palette_entries
from exsampling_patch.registry import Registry

POPUP_W, POPUP_H = 260, 420
MARGIN = 8  # kept clear between the pop-up and the window's edges


def popup_rect(mouse: tuple[float, float], window: tuple[float, float],
               size: tuple[float, float] = (POPUP_W, POPUP_H)) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the pop-up opened at ``mouse`` in a window of size ``window``: at the mouse
    where it fits, else moved back (and made smaller, in a small window) to lie inside it."""
    width = int(max(1.0, min(size[0], window[0] - 2 * MARGIN)))
    height = int(max(1.0, min(size[1], window[1] - 2 * MARGIN)))
    x = int(max(MARGIN, min(mouse[0], window[0] - MARGIN - width)))
    y = int(max(MARGIN, min(mouse[1], window[1] - MARGIN - height)))
    return x, y, width, height


def window_size(mouse: tuple[float, float], size: tuple[float, float]) -> tuple[float, float]:
    """The viewport's client size, where a pop-up of ``size`` opened at ``mouse`` is placed; without a viewport yet
    (tests that build without one), a window just large enough for it there."""
    window = (dpg.get_viewport_client_width(), dpg.get_viewport_client_height())
    if window[0] <= 0 or window[1] <= 0:
        return mouse[0] + size[0] + 2 * MARGIN, mouse[1] + size[1] + 2 * MARGIN
    return window


class AddPopup:
    """The pop-up; ``fill(container, search)`` lists the matching types in ``container`` (the palette's own
    filler), ``add(type_name)`` adds a node of a type at the spot right-clicked."""

    tag = "add_popup"

    def __init__(self, registry: Callable[[], Registry], fill: Callable[[str, str], None],
                 add: Callable[[str], Any]) -> None:
        self.registry = registry
        self.fill = fill
        self.add = add
        self.search = f"{self.tag}:search"
        self.list = f"{self.tag}:list"

    def build(self) -> None:
        with dpg.window(tag=self.tag, label="Add node", show=False, popup=True, width=POPUP_W, height=POPUP_H,
                        no_scrollbar=True):
            dpg.add_input_text(tag=self.search, hint="search (Enter adds the first)", width=-1,
                               callback=lambda s, a, u=None: self.fill(self.list, a))
            with dpg.child_window(tag=f"{self.tag}:scroll", width=-1, height=-1, border=False):
                dpg.add_group(tag=self.list)
        with dpg.handler_registry(tag=f"{self.tag}:keys"):
            dpg.add_key_press_handler(dpg.mvKey_Return, callback=self._on_enter)
            dpg.add_key_press_handler(dpg.mvKey_NumPadEnter, callback=self._on_enter)
        self.fill(self.list, "")

    @property
    def shown(self) -> bool:
        return dialogs.shown(self.tag)

    def open_at(self, mouse: tuple[float, float]) -> None:
        """Show the pop-up at the mouse (inside the window), its search empty and focused, the list whole."""
        x, y, width, height = popup_rect(mouse, window_size(mouse, (POPUP_W, POPUP_H)))
        dpg.set_value(self.search, "")
        self.fill(self.list, "")
        dpg.configure_item(self.tag, show=True, pos=(x, y), width=width, height=height)
        dpg.focus_item(self.tag)
        dpg.focus_item(self.search)

    def hide(self) -> None:
        if dpg.does_item_exist(self.tag):
            dpg.configure_item(self.tag, show=False)

    def first_match(self) -> str | None:
        """The type listed first for the search typed: what Enter adds."""
        for entries in grouped(palette_entries(self.registry()), dpg.get_value(self.search) or "").values():
            return entries[0].type_name
        return None

    def _on_enter(self, sender: Any = None, app_data: Any = None) -> None:
        if not self.shown:
            return
        chosen = self.first_match()
        if chosen is not None:
            self.hide()
            self.add(chosen)
