"""Where the editor puts the nodes it adds: a type clicked in the palette lands in view, a cascade of them clear of
each other, one picked from the right-click pop-up at the mouse, and a paste in view when the canvas was panned
away from the nodes copied. Apart from :mod:`~exsampling_patch.editor.app`, which calls it, so that it stays
short; no widgets are made here.
"""

from __future__ import annotations

import math

from exsampling_patch.editor.clipboard import Position
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.navigate import Navigator
from exsampling_patch.editor.patch_view import PatchView

EDGE_GAP = 8.0  # pixels kept between a node added at a right-click's spot and the canvas's edges


Box = tuple[float, float, float, float]  # left, top, right, bottom (patch units)


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

    def paste_offset(self) -> Position | None:
        """None (the model's own step past the last paste) while the copied nodes' corner is in view; else the
        offset that brings it into view, where no node is. Pasted after a pan away, the nodes went beside the
        copied ones, out of sight: the status said "pasted" and the composer saw nothing."""
        corners = [spec.position for spec in self.model.clipboard.specs if spec.position is not None]
        if not corners:
            return None
        corner = (min(x for x, _ in corners), min(y for _, y in corners))
        spot = self.navigator.spawn_spot(corner)
        if spot == corner:
            return None
        x, y = free_position(self.model, spot, boxes=self.boxes())
        return (x - corner[0], y - corner[1])
