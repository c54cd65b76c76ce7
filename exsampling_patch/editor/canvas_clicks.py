"""What a left press and its release on the canvas mean, beyond what imnodes does with them.

A release on empty canvas clears the selection and the inspector (not that of a press in a window over the
canvas: a menu's item); a click on a node that imnodes left unselected (an inspector field had the keyboard)
selects it; a press on one of several marked nodes (pasted ones) drags them all. The editor (``app.py``)
calls :meth:`CanvasClicks.frame` once a frame and :meth:`CanvasClicks.on_release` from its mouse-release
handler.

The mouse handlers run after the frame that queued them (on the main thread, ``callbacks.py``), but read where
the mouse was in their frame, :meth:`CanvasClicks.mouse_then` (a mouse move handler's, queued before them), and
whether the canvas was under it, :meth:`CanvasClicks.canvas_under`, not where the mouse is when they run: on Dear
PyGui's callback thread they ran behind the frames on a loaded machine, and a handler held back (the late scenarios'
``Driver.late``) still reads its own frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.inspector import Inspector
from exsampling_patch.editor.link_hints import LinkHints
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.patch_view import PatchView

__all__ = ["CanvasClicks"]


class CanvasClicks:
    """The left button's presses on the canvas. ``select`` makes nodes the selection (marked) and shows them,
    ``clear_selection`` clears the canvas's own, ``covered`` says whether a window lies over the canvas,
    ``was_down`` whether one of the keys given was down in the frame whose handlers run (Shortcuts.was_down)."""

    def __init__(self, model: EditorModel, patch_view: PatchView, link_hints: LinkHints, inspector: Inspector,
                 select: Callable[[list[str]], None], clear_selection: Callable[[], None],
                 covered: Callable[[], bool], was_down: Callable[..., bool]) -> None:
        self.model = model
        self.patch_view = patch_view
        self.link_hints = link_hints
        self.inspector = inspector
        self.select = select
        self.clear_selection = clear_selection
        self.covered = covered
        self.was_down = was_down
        self.left_down = False
        #: The node (or one of its pins) under the last left press on the canvas: its release is no click on empty
        #: canvas (a link dragged from or to a pin leaves no node selected, yet must not clear the inspector).
        self.pressed_on: str | None = None
        #: Where that press on a node was (see _click_past_field).
        self.press_point: tuple[float, float] | None = None
        #: Whether the last left press was in a window over the canvas (see on_release).
        self.press_covered = False
        #: A press on one of several marked nodes (pasted ones): (that node, them all), dragged together.
        self.group: tuple[str, list[str]] | None = None
        #: Where the mouse was in the frame whose handlers run (see on_move); None before it first moved.
        self.mouse: tuple[float, float] | None = None

    def on_move(self, sender: Any, point: Any) -> None:
        """The mouse move handler, added before the other mouse handlers: Dear PyGui queues it in the frames the mouse
        moved in, with where it was then, ahead of that frame's other handlers."""
        self.mouse = (float(point[0]), float(point[1]))

    def mouse_then(self) -> tuple[float, float]:
        """Where the mouse was in the frame whose handlers run (for a handler added after :meth:`on_move`'s). Asked
        live when the handler ran late, a click whose mouse moved on by then read as a drag, and a right click opened
        its menu for what lay under the mouse then."""
        if self.mouse is None:
            live = dpg.get_mouse_pos(local=False)
            return float(live[0]), float(live[1])
        return self.mouse

    def canvas_under(self, point: tuple[float, float]) -> bool:
        """Whether the canvas was under ``point``, where the mouse was in a handler's frame (:meth:`mouse_then`):
        ImGui's hover, asked live, is that of where the mouse is now, so a wheel notch whose mouse left the canvas
        before its handler ran was lost. Where the mouse is still there, ImGui's own; else the canvas shown, ``point``
        within it and no window over it."""
        tag = self.patch_view.tag
        live = dpg.get_mouse_pos(local=False)
        if (float(live[0]), float(live[1])) == point:
            return bool(dpg.is_item_hovered(tag))
        left, top, width, height = self.patch_view.screen_rect()
        return (bool(dpg.is_item_visible(tag)) and left <= point[0] < left + width and top <= point[1] < top + height
                and not self.covered())

    def frame(self) -> bool:
        """Note a new press (where it was decides what its release clears: the mouse moves); returns whether
        the left button is down."""
        down = bool(dpg.is_mouse_button_down(dpg.mvMouseButton_Left))
        if down and not self.left_down:
            mouse = dpg.get_mouse_pos(local=False)
            # A press in a window over the canvas (a file dialog, a message, a pop-up) is none on the node under
            # it: its release selected that node, unseen, and showed it in the inspector.
            self.press_covered = self.covered()
            self.pressed_on = None if self.press_covered else self.patch_view.node_at(mouse)
            self.press_point = (float(mouse[0]), float(mouse[1])) if self.pressed_on is not None else None
        self.left_down = down
        return down

    def on_release(self, sender: Any, app_data: Any) -> None:
        group, self.group = self.group, None
        covered, self.press_covered = self.press_covered, False
        if group is not None:
            self.patch_view.drag_along(*group)  # where the last frame left them
        moved = self.patch_view.commit_moves()
        if group is not None:
            if moved:  # dragged together: they stay the selection, not the one imnodes holds
                self.clear_selection()
            else:  # a click on one of them: that one alone, as in other editors
                self.patch_view.choose([])
        # A click in a window over the canvas (a node menu's item) is that window's: the menu gone by the time this
        # handler ran (a loaded machine), the canvas was under the mouse and the click cleared the selection.
        if covered:
            return
        # The canvas under the release as it was: the mouse moved onto it since, a click in the palette cleared the
        # inspector; moved off it, a click on empty canvas cleared nothing.
        if (self.canvas_under(self.mouse_then()) and not self.patch_view.selected_nodes()
                and self.pressed_on is None):
            self.patch_view.choose([])  # a click on empty canvas or a link: no marked node is selected any more
            self.model.clear_refusals()  # as a click elsewhere dismisses a message: the refused link is done with
            # A click on a link selects it alone (the Delete key took the marked nodes with it), yet is no click on
            # empty canvas: the inspector shows what it showed.
            if not self.patch_view.selected_links() and self.inspector.node_id is not None:
                self.inspector.show(None)
        self._click_past_field()

    def _click_past_field(self) -> None:
        """A click on a node that left it unselected: imnodes takes a press while an inspector field has the
        keyboard only to end the editing, so the composer clicked a node and the inspector went on showing the
        other. Such a node is made the selection (marked, as pasted ones are) and shown; a drag, a press on a pin
        (a link) or a Ctrl or Shift click (imnodes' own adding and removing) is no such click."""
        press, self.press_point = self.press_point, None
        node_id = self.pressed_on
        if press is None or node_id is None or node_id not in self.model.patch.nodes:
            return
        mouse = self.mouse_then()  # as it was at the release: moved on by the time this ran, a click read as a drag
        # Ctrl and Shift as they were in the release's frame, not when this handler runs (held behind the frames, see
        # the module's docstring): a Ctrl+click with Ctrl let go by then made the node clicked the selection, alone.
        modifier = self.was_down(dpg.mvKey_LControl, dpg.mvKey_RControl, dpg.mvKey_LShift, dpg.mvKey_RShift)
        on_pin = self.link_hints.pin_at(press, output=True) or self.link_hints.pin_at(press, output=False)
        if abs(mouse[0] - press[0]) > 4 or abs(mouse[1] - press[1]) > 4 or on_pin or modifier:
            return
        if node_id not in self.patch_view.selected_nodes():
            self.select([node_id])
