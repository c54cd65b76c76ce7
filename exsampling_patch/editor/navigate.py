"""Finding one's way on the canvas: fit the patch to the view, frame the selection, pan with keys and space+drag.

Dear PyGui's node editor (imnodes) pans with the middle mouse button only, and has neither a call that pans
(hoffstadt/DearPyGui#2551) nor zoom (Nelarius/imnodes#118). The editor pans itself by drawing every node
``PatchView.pan`` further (:meth:`PatchView.pan_by`); the patch's positions do not change. There is no zoom.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.patch_view import MINIMAP_MAX_NODES, PatchView

#: Pixels an arrow key pans (Shift: four times as far).
STEP = 120.0
#: Pixels a notch of the mouse wheel pans (there is no zoom for the wheel to do).
WHEEL_STEP = 80.0
MARGIN = 30.0
#: Pixels kept between a node added with no mouse spot and the others, and the step its spot is looked for in.
ROOM_GAP, ROOM_STEP = 20.0, 20.0
#: How to begin an empty patch, said once it opens.
BEGIN = "click a type in the palette, or right-click the canvas, to add a node"
EDGE_GAP = 8.0  # pixels kept between a node added at a spot of the composer's (or pasted) and the canvas's edges

Box = tuple[float, float, float, float]  # left, top, right, bottom (patch units)


class Navigator:
    """The View menu's actions and keys, and space+drag panning (call :meth:`frame` once a frame)."""

    def __init__(self, view: PatchView, selection: Callable[[], list[str]],
                 say: Callable[[str], None] | None = None) -> None:
        self.view = view
        self.selection = selection
        self.say = say  # the status bar: what Home found
        self._drag_from: tuple[float, float] | None = None
        #: A patch was just opened (or made new): :meth:`settle` fits it once it is drawn.
        self.opening = True
        #: The nodes were drawn anew (C): :meth:`settle` fits the patch once they have their sizes.
        self.refit = False

    def menu_entries(self) -> list[tuple[str, str, str, Callable[[], Any]]]:
        return [
            ("fit", "Fit patch to view", "Home", self.fit),
            ("frame", "Frame selection", "F", self.frame_selection),
            ("pan_left", "Pan left", "Left", lambda: self.pan_key(-1, 0)),
            ("pan_right", "Pan right", "Right", lambda: self.pan_key(1, 0)),
            ("pan_up", "Pan up", "Up", lambda: self.pan_key(0, -1)),
            ("pan_down", "Pan down", "Down", lambda: self.pan_key(0, 1)),
            ("minimap", "Minimap on/off", "M", self.toggle_minimap),
            ("compact", "Compact nodes on/off", "C", self.toggle_compact),
        ]

    def keys(self) -> dict[tuple[bool, bool, int], Callable[[], Any]]:
        """(ctrl, shift, key) -> action; an arrow moves the view that way, Shift+arrow four times as far."""
        arrows = {dpg.mvKey_Left: (-1, 0), dpg.mvKey_Right: (1, 0), dpg.mvKey_Up: (0, -1), dpg.mvKey_Down: (0, 1)}
        found: dict[tuple[bool, bool, int], Callable[[], Any]] = {
            (False, False, dpg.mvKey_Home): self.fit,
            (False, False, dpg.mvKey_F): self.frame_selection,
            (False, False, dpg.mvKey_M): self.toggle_minimap,
            (False, False, dpg.mvKey_C): self.toggle_compact,
        }
        for key, (x, y) in arrows.items():
            found[(False, False, key)] = partial(self.pan_key, x, y)
            found[(False, True, key)] = partial(self.pan_key, 4 * x, 4 * y)
        return found

    def toggle_minimap(self) -> None:
        self.view.show_minimap(not self.view.minimap)
        if self.view.minimap and not self.view.minimap_allowed() and self.say is not None:  # M seemed to do nothing
            self.say(f"no minimap above {MINIMAP_MAX_NODES} nodes (it draws every node again): Home fits, "
                     "C compacts the patch")

    def toggle_compact(self) -> None:
        """The compact display (ids and pins only, distances halved) on or off, then the whole patch shown once the
        nodes drawn anew have their sizes (:meth:`settle`). Fitted at once, the nodes were taken for their corners:
        a two-node row that fits the view was centred 25 px off, and back at full size cut at the right edge while
        the status said "the whole patch is in view"."""
        self.view.set_compact(not self.view.compact)
        self.refit = True

    def wheel(self, notches: float, sideways: bool) -> None:
        """The mouse wheel over the canvas: up looks up, Shift+wheel sideways (up looks left), as most programs
        scroll a page; the node editor did nothing with it."""
        step = float(notches) * WHEEL_STEP
        self.view.pan_by(step if sideways else 0.0, 0.0 if sideways else step)

    def pan_key(self, x: float, y: float) -> None:
        """Look further ``(x, y)`` steps: the drawing moves the other way."""
        self.view.pan_by(-x * STEP, -y * STEP)

    # -- fitting ------------------------------------------------------------------------------------------------

    def visible(self) -> tuple[float, float, float, float]:
        """The part of the canvas shown, in patch positions: (left, top, width, height)."""
        x, y, width, height = self.view.screen_rect()
        left, top = self.view.grid_at((x, y))
        return left, top, width or 800.0, height or 600.0

    def drawn_area(self) -> tuple[float, float, float, float] | None:
        """:meth:`visible`'s area, or None before a frame with a size was drawn (no viewport yet), or while a node
        of the patch is not drawn yet: a node added then has no view to be kept in, and goes where it was wanted."""
        # Measuring asks for nodes' items (visible's grid_at). With no viewport the sizes are 0 and raise nothing.
        # Caught, any error read as "no frame yet": a broken canvas, and every node added went where it was wanted.
        if not _all_exist(list(self.view.model.patch.nodes)):
            return None
        shown = self.view.screen_rect()[2:]
        area = self.visible()
        return area if all(shown) else None

    def spawn_spot(self, wanted: tuple[float, float]) -> tuple[float, float]:
        """Where a node added with no mouse spot goes (a palette click): ``wanted`` (the last right-click's spot)
        while a node there is in view, else near the view's top left corner. Without that a palette click after a
        pan added the node where the view had been, out of sight, and the composer saw nothing appear."""
        area = self.drawn_area()
        if area is None:
            return wanted
        left, top, width, height = area
        scale, (x, y) = self.view.scale, wanted
        if 0 <= (x - left) * scale <= width and 0 <= (y - top) * scale <= height:  # its corner is in view
            return wanted
        return (float(int(left + 2 * MARGIN / scale)), float(int(top + 2 * MARGIN / scale)))

    def room(self, wanted: tuple[float, float], size: tuple[float, float]) -> tuple[float, float]:
        """Where a node of ``size`` (patch units) added with no mouse spot goes: ``wanted`` where it lies in view
        clear of the nodes drawn, else the first such spot, row by row from the view's top left corner; ``wanted``
        where there is none (the view is full). Types clicked one after the other in the palette went down the
        canvas, the fifth below its edge: the composer clicked "sampler" and saw nothing appear."""
        area = self.drawn_area()
        if area is None:
            return wanted
        left, top, width, height = area
        scale = self.view.scale
        right, bottom = left + width / scale - size[0], top + height / scale - size[1]
        gap = ROOM_GAP / scale
        boxes = []
        for node_id, spec in self.view.model.patch.nodes.items():
            box = self.bounds([node_id])
            if (box is None or box[2] - box[0] <= 1 / scale) and spec.position is not None:  # not drawn yet
                box = (spec.position[0], spec.position[1], spec.position[0] + 240.0, spec.position[1] + 110.0)
            if box is not None:
                boxes.append(box)

        def clear(x: float, y: float) -> bool:
            return all(x + size[0] + gap <= x0 or x1 + gap <= x or y + size[1] + gap <= y0 or y1 + gap <= y
                       for x0, y0, x1, y1 in boxes)

        if left <= wanted[0] <= right and top <= wanted[1] <= bottom and clear(*wanted):
            return wanted
        step = ROOM_STEP / scale
        y = top + MARGIN / scale
        while y <= bottom:
            x = left + MARGIN / scale
            while x <= right:
                if clear(x, y):
                    return (float(int(x)), float(int(y)))
                x += step
            y += step
        return wanted

    def room_for(self, group: list[Box], spot: tuple[float, float], boxes: list[Box]) -> tuple[float, float] | None:
        """The offset nearest the one that puts ``group``'s corner (its nodes' boxes, patch units) at ``spot`` that
        draws every one of them whole in view, a gap clear of each of ``boxes``; None where there is none (the view
        is full, or smaller than the group) or no view is drawn yet."""
        area = self.drawn_area()
        if area is None or not group:
            return None
        left, top, width, height = area
        scale = self.view.scale
        gx0, gy0 = min(b[0] for b in group), min(b[1] for b in group)
        gx1, gy1 = max(b[2] for b in group), max(b[3] for b in group)
        edge, gap, step = EDGE_GAP / scale, ROOM_GAP / scale, ROOM_STEP / scale
        # The offsets that keep the group in view, an edge's gap from its sides.
        low_x, high_x = left + edge - gx0, left + width / scale - edge - gx1
        low_y, high_y = top + edge - gy0, top + height / scale - edge - gy1
        if low_x > high_x or low_y > high_y:
            return None
        wanted = (min(max(spot[0] - gx0, low_x), high_x), min(max(spot[1] - gy0, low_y), high_y))
        near = [b for b in boxes if b[2] + gap > gx0 + low_x and b[0] - gap < gx1 + high_x
                and b[3] + gap > gy0 + low_y and b[1] - gap < gy1 + high_y]  # those in view

        def clear(dx: float, dy: float) -> bool:
            return all(x1 + dx + gap <= b[0] or b[2] + gap <= x0 + dx or y1 + dy + gap <= b[1] or b[3] + gap <= y0 + dy
                       for x0, y0, x1, y1 in group for b in near)

        def steps(want: float, low: float, high: float) -> list[float]:
            return [want + i * step for i in range(-int((want - low) / step), int((high - want) / step) + 1)]

        columns, rows = steps(wanted[0], low_x, high_x), steps(wanted[1], low_y, high_y)
        tries = sorted(((dx, dy) for dx in columns for dy in rows),
                       key=lambda d: (d[0] - wanted[0]) ** 2 + (d[1] - wanted[1]) ** 2)
        return next((d for d in tries if clear(*d)), None)

    def bounds(self, node_ids: list[str]) -> tuple[float, float, float, float] | None:
        """The box around ``node_ids`` in patch positions (left, top, right, bottom), or None if none is drawn."""
        boxes = []
        for node_id in node_ids:
            spec = self.view.model.patch.nodes.get(node_id)
            tag = f"node:{node_id}"
            if spec is None or not dpg.does_item_exist(tag):
                continue
            pos = dpg.get_item_pos(tag)
            size = dpg.get_item_rect_size(tag)  # (0, 0) not drawn yet: a 1-unit box, which callers tell
            scale = self.view.scale  # the compact display draws distances smaller
            x, y = (pos[0] - self.view.pan[0]) / scale, (pos[1] - self.view.pan[1]) / scale
            boxes.append((x, y, x + max(size[0], 1) / scale, y + max(size[1], 1) / scale))
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes))

    def show(self, node_ids: list[str]) -> bool:
        """Pan so that the nodes are in view: centred, or from the top left corner if they do not fit."""
        box = self.bounds(node_ids)
        if box is None:
            return False
        left, top, width, height = self.visible()
        scale = self.view.scale
        dx = self._shift(box[0] * scale, box[2] * scale, left * scale, width)
        dy = self._shift(box[1] * scale, box[3] * scale, top * scale, height)
        self.view.pan_by(dx, dy)
        return True

    @staticmethod
    def _shift(low: float, high: float, start: float, length: float) -> float:
        if high - low > length:  # from the top left corner; else centred, however little room is left at the edges
            return start + MARGIN - low
        return (start + length / 2) - (low + high) / 2

    def reveal(self, node_ids: list[str]) -> bool:
        """Pan to the nodes (as :meth:`show`) unless they are in view already; returns whether it panned."""
        # Callers pass nodes of the patch, each drawn as the model added it; before a frame draws them Dear PyGui
        # says they are not visible (rects of 0), and they are panned to.
        x, y, width, height = self.view.screen_rect()
        inside = all(dpg.is_item_visible(f"node:{n}") and x <= (rect := self._rect(n))[0] and rect[2] <= x + width
                     and y <= rect[1] and rect[3] <= y + height for n in node_ids)
        return not inside and self.show(node_ids)

    @staticmethod
    def _rect(node_id: str) -> tuple[float, float, float, float]:
        (x, y), (w, h) = dpg.get_item_rect_min(f"node:{node_id}"), dpg.get_item_rect_size(f"node:{node_id}")
        return x, y, x + w, y + h

    def fit(self) -> bool:
        """Show the whole patch (as much as fits: there is no zoom) and say whether it all shows: a composer
        who sees nodes cut at the edge after Home must learn that the rest is there and how to reach it."""
        nodes = list(self.view.model.patch.nodes)
        box = self.bounds(nodes)
        shown = self.show(nodes)
        if box is not None and self.say is not None:
            self.say(self.larger(box) or "the whole patch is in view")
        return shown

    def larger(self, box: tuple[float, float, float, float]) -> str | None:
        """What to say where ``box`` (patch positions, as :meth:`bounds` gives) cannot all be shown at once:
        how to see the rest (there is no zoom); else None."""
        width, height = self.visible()[2:]
        scale = self.view.scale
        # The margins aside: a patch that fits without them shows whole (centred, with less room at its edges), and
        # a 3-node patch a little narrower than the view was said to be "larger than the view".
        if (box[2] - box[0]) * scale <= width and (box[3] - box[1]) * scale <= height:
            return None
        compact = "" if self.view.compact else ", C compact nodes"
        minimap = ", M minimap" if self.view.minimap_allowed() else ""
        return f"the patch is larger than the view: arrows pan, Home comes back here{compact}{minimap}"

    def settle(self) -> str | None:
        """Once a patch just opened is drawn, show it as Home does unless it is all in view already (a window made
        smaller for a small screen showed its top left part only). Returns what to say where it is still larger
        than the view: how to see the rest (there is no zoom); else None. Nodes drawn anew (C): fits the patch, as
        Home does, once they are drawn."""
        if not (self.opening or self.refit):
            return None
        nodes = list(self.view.model.patch.nodes)
        if not nodes and self.opening:
            # `exsampling edit` on a new file opened on a blank grid without a word of how to begin.
            self.opening = self.refit = False
            path = self.view.model.path
            return f"{'new' if path is None or not path.exists() else 'an empty'} patch: {BEGIN}"
        if not self._all_drawn(nodes):
            return None
        if self.refit and not self.opening:
            self.refit = False
            self.fit()
            return None
        self.opening = self.refit = False
        box = self.bounds(nodes)
        if box is None:
            return None
        told = self.larger(box)
        self.reveal(nodes)
        return told

    def _all_drawn(self, nodes: list[str]) -> bool:
        """Whether the canvas and every one of ``nodes`` have a size on screen: every node, not any: one raised over
        its neighbours (an error at --run's start) is hidden for the first frame, and counted as a point the fit
        centred the patch as if narrower, that node cut off."""
        # Before no frame (or with no viewport) the sizes are 0. Caught, any error left settle() trying again every
        # frame, unsaid.
        if not _all_exist(nodes):
            return False
        return self.view.screen_rect()[2] > 0 and all(dpg.get_item_rect_size(f"node:{n}")[0] > 0 for n in nodes)

    def frame_selection(self) -> bool:
        """Show the selected nodes (or the whole patch when none is selected)."""
        return self.show(self.selection() or list(self.view.model.patch.nodes))

    # -- space + drag ---------------------------------------------------------------------------------------------

    def frame(self, typing: Callable[[], bool]) -> None:
        """Pan while Space is held and the left button drags (for a trackpad: no middle button needed)."""
        held = (dpg.is_key_down(dpg.mvKey_Spacebar) and dpg.is_mouse_button_down(dpg.mvMouseButton_Left)
                and (self._drag_from is not None or not typing()))
        if not held:
            self._drag_from = None
            return
        mouse = dpg.get_mouse_pos(local=False)
        here = (float(mouse[0]), float(mouse[1]))
        if self._drag_from is None:
            if not dpg.is_item_hovered(self.view.tag):
                return
        else:
            self.view.pan_by(here[0] - self._drag_from[0], here[1] - self._drag_from[1])
        self._drag_from = here


def _all_exist(nodes: list[str]) -> bool:
    """Whether the canvas has drawn an item for each of ``nodes``: asked before measuring them, since for a node the
    patch holds and the canvas has not drawn yet Dear PyGui raises a bare Exception ("Item not found"), as it does
    for any other mistake, which must not be caught."""
    return all(dpg.does_item_exist(f"node:{n}") for n in nodes)
