"""Where the editor puts the nodes it adds: a type clicked in the palette lands in view, a cascade of them clear of
each other, one picked from the right-click pop-up at the mouse, and a pasted group whole in view, in its own
layout, clear of the other nodes. Apart from :mod:`~exsampling_patch.editor.app`, which calls it, so that it stays
short; no widgets are made here.
"""

from __future__ import annotations

import math

from exsampling_patch.editor.clipboard import Position
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.navigate import EDGE_GAP, ROOM_STEP, Box, Navigator
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.patch import NodeSpec


def free_position(model: EditorModel, wanted: Position, size: tuple[float, float] = (240, 110),
                  upward: bool = False, boxes: list[Box] | None = None) -> Position:
    """``wanted``, or the nearest spot below it (above it, ``upward``) where a new node of ``size`` covers no other
    node: none of ``boxes`` (where the nodes are drawn), or else each node taken for ``size`` at its position."""
    if boxes is None:
        boxes = [(px, py, px + size[0], py + size[1]) for px, py in
                 (spec.position for spec in model.patch.nodes.values() if spec.position is not None)]
    x, y = wanted
    for _ in range(200):
        if all(x + size[0] <= x0 or x1 <= x or y + size[1] <= y0 or y1 <= y for x0, y0, x1, y1 in boxes):
            return (x, y)
        y += -size[1] / 2 if upward else size[1] / 2
    return wanted


class Placement:
    """The spot new nodes go to (the patch view's ``spawn_position``) and how far the cascade from it has gone."""

    def __init__(self, model: EditorModel, patch_view: PatchView, navigator: Navigator) -> None:
        self.model = model
        self.patch_view = patch_view
        self.navigator = navigator
        self.step = 0  # nodes added since the spot was chosen: each goes a step down and right of the last

    def restart(self, spot: Position | None = None) -> None:
        """Begin the cascade again, at ``spot`` (a right-click's, in patch units) where one is given."""
        if spot is not None:
            self.patch_view.spawn_position = spot
        self.step = 0

    def next_position(self, type_name: str) -> Position:
        """Where a node of ``type_name`` added with no position of its own goes: the spot, in view however the
        canvas was panned, and past the nodes added there before it."""
        spot = self.navigator.spawn_spot(self.patch_view.spawn_position)
        if spot != self.patch_view.spawn_position:
            self.patch_view.spawn_position, self.step = spot, 0
        x, y = spot
        size = self.drawn_size(type_name)
        if self.step:  # the cascade past the spot chosen
            position = free_position(self.model, (x + 30 * (self.step % 8), y + 30 * (self.step % 8)), size,
                                     boxes=self.boxes())
            position = self.navigator.room(position, size)
        else:  # at the spot (a right-click's lands at the mouse), moved in where the node would be cut off
            position = self.free_in_view(spot, size)
        self.step += 1
        return position

    def free_in_view(self, spot: Position, size: tuple[float, float]) -> Position:
        """The spot nearest ``spot`` moved into view, below it or else above it, where a node of ``size`` covers no
        other and is drawn whole. Moved clear of a node and then into view, a node right-clicked below another near
        the canvas's bottom edge was put back over it. Where neither is (the column full), as that did."""
        start, boxes = self.in_view(spot, size), self.boxes()
        for upward in (False, True):
            position = free_position(self.model, start, size, upward, boxes)
            if self.in_view(position, size) == position:
                return position
        return self.in_view(free_position(self.model, start, size, boxes=boxes), size)

    def boxes(self) -> list[Box]:
        """Where each node is drawn (patch units), or, one not drawn yet, where it would be at about its type's size.
        Every node was taken for 240x110: a node added just above a taller one (a sampler, a node with its problem
        written out) was put over that one's lower part."""
        boxes = []
        for node_id, spec in self.model.patch.nodes.items():
            box = self.navigator.bounds([node_id])
            if box is None or box[2] - box[0] <= 1 / self.navigator.view.scale:  # not drawn yet
                if spec.position is None:
                    continue
                (x, y), (w, h) = spec.position, self.drawn_size(spec.type)
                box = (x, y, x + w, y + h)
            boxes.append(box)
        return boxes

    def in_view(self, position: Position, size: tuple[float, float]) -> Position:
        """``position`` moved the least that draws a node of ``size`` there whole inside the view, an edge's gap
        from its sides. A right-click near the canvas's bottom or right edge put the node there, mostly out of
        sight: the composer saw a sliver of it, or nothing."""
        area = self.navigator.drawn_area()
        if area is None:
            return position
        left, top, width, height = area
        gap = EDGE_GAP / self.navigator.view.scale
        right, bottom = left + width / self.navigator.view.scale, top + height / self.navigator.view.scale
        x = max(left + gap, min(position[0], right - gap - size[0]))
        y = max(top + gap, min(position[1], bottom - gap - size[1]))
        return position if (x, y) == position else (float(math.floor(x)), float(math.floor(y)))

    def drawn_size(self, type_name: str) -> tuple[float, float]:
        """About the size a node of ``type_name`` is drawn at (patch units): a row a pin and one for its live line
        or problem, and the widest a node is drawn (``NODE_TEXT_W``)."""
        try:
            node_type = self.model.registry.get(type_name)
        except KeyError:
            return (240.0, 110.0)
        return (240.0, 48.0 + 18.0 * (len(node_type.inputs) + len(node_type.outputs) + 1))

    def copied_boxes(self, specs: list[NodeSpec] | None = None) -> list[Box]:
        """Where the clipboard's nodes (or ``specs``) are (patch units, at the positions copied): as drawn where the
        node copied is still drawn there, else at about its type's size."""
        boxes = []
        for spec in self.model.clipboard.specs if specs is None else specs:
            if spec.position is None:
                continue
            here = self.model.patch.nodes.get(spec.id)
            box = None
            if here is not None and here.type == spec.type and here.position == spec.position:
                box = self.navigator.bounds([spec.id])
            if box is None or box[2] - box[0] <= 1 / self.navigator.view.scale:  # not drawn (yet, or here)
                (x, y), (w, h) = spec.position, self.drawn_size(spec.type)
                box = (x, y, x + w, y + h)
            boxes.append(box)
        return boxes

    def paste_offset(self, specs: list[NodeSpec] | None = None) -> Position | None:
        """How far the pasted nodes (the clipboard's, or ``specs`` duplicated) go from the copied ones: the group
        whole, its own layout kept, in view and clear of every node, as near as there is room to where it was copied
        (in view), else to the view's top left corner; None (the model's step past the last paste) before a view is
        drawn. Only the group's corner was placed, as one 240x110 node: after a pan, a row of pasted nodes covered
        others or ran off the view."""
        group = self.copied_boxes(specs)
        area = self.navigator.drawn_area()
        if not group or area is None:
            return None
        corner = (min(b[0] for b in group), min(b[1] for b in group))
        spot = self.navigator.spawn_spot(corner)
        offset = self.navigator.room_for(group, spot, self.boxes())
        if offset is None:  # no room in view: below the nodes there, in line with the spot
            offset = self.below(group, spot)
        return (float(math.floor(offset[0])), float(math.floor(offset[1])))

    def below(self, group: list[Box], spot: Position) -> Position:
        """The offset that puts ``group``'s corner at ``spot`` or the first place below it clear of every node."""
        boxes, corner = self.boxes(), (min(b[0] for b in group), min(b[1] for b in group))
        dx, dy = spot[0] - corner[0], spot[1] - corner[1]
        step = ROOM_STEP / self.navigator.view.scale
        for _ in range(10000):
            if all(clear((x0 + dx, y0 + dy, x1 + dx, y1 + dy), boxes, 0.0) for x0, y0, x1, y1 in group):
                break
            dy += step
        return (dx, dy)


def clear(box: Box, boxes: list[Box], gap: float) -> bool:
    """Whether ``box`` lies ``gap`` or more from each of ``boxes``."""
    x0, y0, x1, y1 = box
    return all(x1 + gap <= b[0] or b[2] + gap <= x0 or y1 + gap <= b[1] or b[3] + gap <= y0 for b in boxes)
