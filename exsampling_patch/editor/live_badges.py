"""Each node's live state drawn on it while the patch runs: its level bar, its live line (last label and
confidence, slot, latency, ...), its error and the error's red title bar.

The patch view (``patch_view.py``) makes the widgets these fill (``level:``, ``live:`` and ``error:<node id>``)
and tells :class:`LiveBadges` when it draws a node anew or removes one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.node_line import SEPARATOR, fit_line, live_parts
from exsampling_patch.editor.node_text import text_width

#: The widest a node's live line and messages (a refusal, a problem, an error) may be, in pixels: a node showing
#: them is then at most 226 px wide (padding included; the default patch's widest is 219 px without them), short
#: of its neighbour (the default patch puts nodes 240 px apart). The live line is fitted (tighter separators,
#: then cut; its whole text is in its tooltip), messages wrap.
NODE_TEXT_W = 210

_UNSET = object()


def meter_fill(level: Any) -> float | None:
    """How much of a level meter a reported ``level`` fills (0..1, clipped); None for no level: none reported, or
    one that is no level at all (NaN or infinite, as a broken node's audio gives, or negative), which clipped to
    the meter filled it whole and read as the loudest signal."""
    if not isinstance(level, int | float) or isinstance(level, bool):
        return None
    level = float(level)
    if not math.isfinite(level) or level < 0.0:
        return None
    return min(1.0, level)


class LiveBadges:
    """What :meth:`show` last drew on each node, so that a report changes only the widgets it changes.
    ``theme_for`` gives a node's theme once its error badge comes or goes (:meth:`has_error` tells which)."""

    def __init__(self, theme_for: Callable[[str], int]) -> None:
        self._theme_for = theme_for
        self._shown: dict[str, dict[str, Any]] = {}  # node id -> what show last drew
        self._live: dict[str, NodeLive] = {}  # what show was last given, to draw again after a redraw

    def has_error(self, node_id: str) -> bool:
        """Whether the node's error badge is shown (its title bar is then red)."""
        return bool(self._shown.get(node_id, {}).get("theme"))

    def drawn_anew(self, node_id: str | None = None) -> None:
        """The node's widgets (or every node's, with None) were made again, blank: nothing of them is drawn."""
        if node_id is None:
            self._shown.clear()
        else:
            self._shown.pop(node_id, None)

    def forget(self, node_id: str | None = None) -> None:
        """The node (or, with None, every node: a patch opened) is gone: its state is not drawn again."""
        if node_id is None:
            self._live.clear()
        else:
            self._live.pop(node_id, None)
        self.drawn_anew(node_id)

    def redraw(self) -> None:
        """Draw again the state last given of every node (after its widgets were made anew)."""
        for node_id, live in list(self._live.items()):
            self.show(node_id, live)

    def show(self, node_id: str, live: NodeLive | None) -> None:
        """Draw a node's level, last label and confidence, slot, latency and error badge.

        Only what changed since the last call touches a widget: a running patch reports many times a
        second and each Dear PyGui call has a cost that adds up over a big patch.
        """
        if not dpg.does_item_exist(f"node:{node_id}"):  # removed since the engine, on its thread, told of it
            return
        shown = self._shown.setdefault(node_id, {})
        if live is None:
            self._live.pop(node_id, None)
        else:
            self._live[node_id] = live
        self._draw(node_id, live or NodeLive(), shown)

    def _draw(self, node_id: str, live: NodeLive, shown: dict[str, Any]) -> None:
        def put(key: str, value: Any, apply: Any) -> None:
            if shown.get(key, _UNSET) != value:
                shown[key] = value
                apply(value)

        level = meter_fill(live.get("level"))
        put("level_show", level is not None, lambda v: dpg.configure_item(f"level:{node_id}", show=v))
        if level is not None:
            put("level", level, lambda v: dpg.set_value(f"level:{node_id}", v))
        parts = live_parts(live)
        text = SEPARATOR.join(parts)
        put("live", text, lambda v: self._set_line(node_id, parts))
        put("live_show", bool(text), lambda v: dpg.configure_item(f"live:{node_id}", show=v))
        error = live.error
        if error:
            count = f" (x{live.error_count})" if live.error_count > 1 else ""
            put("error", f"ERROR{count}: {error}", lambda v: dpg.set_value(f"error:{node_id}", v))
        put("error_show", bool(error), lambda v: dpg.configure_item(f"error:{node_id}", show=v))
        put("theme", bool(error), lambda v: dpg.bind_item_theme(f"node:{node_id}", self._theme_for(node_id)))

    def _set_line(self, node_id: str, parts: list[str]) -> None:
        """Show a node's live line fitted to NODE_TEXT_W (its whole text in its tooltip when cut)."""
        tag, tip = f"live:{node_id}", f"live_tip:{node_id}"
        text = SEPARATOR.join(parts)
        shown = fit_line(parts, NODE_TEXT_W, text_width)
        dpg.set_value(tag, shown)
        if shown != text and not dpg.does_item_exist(tip):  # made when first needed: most lines fit
            with dpg.tooltip(tag, tag=f"{tip}:box"):
                dpg.add_text(text, tag=tip, wrap=360)
        if dpg.does_item_exist(tip):
            dpg.set_value(tip, text)
            dpg.configure_item(f"{tip}:box", show=shown != text)
