"""A combo that chooses a sound device or MIDI port among those present, with a *refresh* button.

Shared by the performance view (the sampler's device and MIDI port) and the inspector (any parameter of
:data:`~exsampling_patch.editor.present.PRESENT_PARAMS`). Each combo reads its parameter's current value
through a getter, so an edit made elsewhere (the inspector, undo) shows; :meth:`PresentCombos.update`
(called a few times a second) puts a new listing and such changes into the combos.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.present import Present, label_of, value_of


@dataclass
class _Combo:
    kind: str
    current: Callable[[], Any]
    choose: Callable[[str], Any]
    shown: tuple[int, str] | None = None  # (listing version, value) last drawn


class PresentCombos:
    """Every device or port combo drawn, and the listing they share."""

    def __init__(self, present: Present | None = None) -> None:
        self.present = present or Present()
        self._combos: dict[str, _Combo] = {}

    def add(self, tag: str, kind: str, current: Callable[[], Any], choose: Callable[[str], Any], width: int,
            parent: int | str | None = None) -> None:
        """A combo ``tag`` for a parameter naming a ``kind`` of device or port, and a *refresh* button
        (``<tag>:refresh``); ``choose(value)`` sets the parameter."""
        if self.present.listing is None and not self.present.busy and not self.present.version:
            self.present.refresh()  # the first listing, in the background
        combo = _Combo(kind, current, choose)
        self._combos[tag] = combo
        extra = {} if parent is None else {"parent": parent}
        with dpg.group(horizontal=True, **extra):
            dpg.add_combo([], tag=tag, width=width - 66, callback=self._on_choose, user_data=tag)
            dpg.add_button(label="refresh", tag=f"{tag}:refresh", callback=lambda *_: self.present.refresh())
        with dpg.tooltip(f"{tag}:refresh"):
            dpg.add_text("list the sound devices and MIDI ports present again (as `exsampling devices` does)",
                         wrap=320)
        self._draw(tag, combo)

    def _value(self, combo: _Combo) -> str:
        try:
            value = combo.current()
        except KeyError:  # its node is gone; the combo goes with the next redraw
            return ""
        return "" if value is None else str(value)

    def _draw(self, tag: str, combo: _Combo) -> None:
        value = self._value(combo)
        # The version is read before the listing: one that lands in between is drawn by the next update.
        version = self.present.version
        options = self.present.choices(combo.kind, value)
        dpg.configure_item(tag, items=[c.label for c in options])
        dpg.set_value(tag, label_of(options, value))
        combo.shown = (version, value)

    def _on_choose(self, sender: Any, label: str, tag: str) -> None:
        combo = self._combos.get(tag)
        if combo is None:
            return
        value = value_of(self.present.choices(combo.kind, self._value(combo)), label)
        if value is not None:
            combo.choose(value)
        if dpg.does_item_exist(tag):
            self._draw(tag, combo)

    def update(self) -> None:
        """Draw a new listing, or a value changed elsewhere, into the combos; forget combos no longer drawn."""
        for tag, combo in list(self._combos.items()):
            if not dpg.does_item_exist(tag):
                del self._combos[tag]
            elif combo.shown != (self.present.version, self._value(combo)):
                self._draw(tag, combo)

    def choices_shown(self, tag: str) -> list[str]:
        return list(dpg.get_item_configuration(tag).get("items") or [])


#: The combos of the running editor (the performance view and the inspector share its listing).
COMBOS = PresentCombos()
