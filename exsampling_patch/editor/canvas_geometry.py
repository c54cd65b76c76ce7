"""Where the patch view draws on screen: the canvas's offset and the editor's own pan, nodes placed from code,
marked nodes dragged along, and moves taken back into the patch.

:class:`CanvasGeometry` is the part of :class:`~exsampling_patch.editor.patch_view.PatchView` that works from
what the view drew (its ``_positions``) and where Dear PyGui drew it; the view sets the state it reads.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.model import EditorModel

#: Where imnodes draws the canvas position (0, 0) before any pan, from the canvas's top left corner (screen_rect):
#: its child window's padding and the node's frame, as measured from drawn nodes (each offset seen was this).
CANVAS_INSET = (8.0, 11.0)


class CanvasGeometry:
    """Positions on the canvas and on screen; mixed into the patch view, which sets these attributes."""

    model: EditorModel
    tag: str
    _positions: dict[str, tuple[float, float]]  # last positions the view drew
    _placed: dict[str, tuple[int, tuple[float, float]]]
    _canvas_offset: tuple[float, float] | None
    _measured_by: str | None
    _unseen_at: int | None
    pan: tuple[float, float]
    scale: float

    def measure(self, now: bool = False) -> None:
        """Note where the canvas is on screen, from a node drawn (once a frame, and before :meth:`grid_at`), for
        when none is in view: a middle-button drag pans the canvas without the editor knowing, so an offset
        noted only when grid_at last ran was off by every such drag since.

        A node placed since the last frame (a pan) is measured at the position that frame drew it at. With no
        node in view the next few frames do not look again (a big patch panned away cost 0.7 ms a frame), unless
        ``now`` (grid_at).
        """
        frame, nodes = dpg.get_frame_count(), self.model.patch.nodes
        if not now and self._unseen_at is not None and 0 <= frame - self._unseen_at < 8:
            return
        first = [self._measured_by] if self._measured_by in nodes else []  # most frames: the same node again
        for node_id in [*first, *nodes]:
            tag = f"node:{node_id}"
            if not dpg.is_item_visible(tag):
                continue
            placed = self._placed.get(node_id)
            corner = dpg.get_item_rect_min(tag)
            pos = placed[1] if placed is not None and placed[0] == frame else dpg.get_item_pos(tag)
            if corner and pos:
                self._canvas_offset = (float(corner[0] - pos[0]), float(corner[1] - pos[1]))
                self._measured_by, self._unseen_at = node_id, None
                return
        self._unseen_at = frame

    def grid_at(self, point: tuple[float, float]) -> tuple[float, float]:
        """The canvas position (what a node's ``position`` holds) under ``point``, a viewport position such as
        ``dpg.get_mouse_pos(local=False)``, however far the canvas has been panned.

        Dear PyGui gives neither the canvas's pan offset nor its origin (the node editor's rectangle reads
        (0, 0)), but every node drawn gives both at once: its corner on screen minus its canvas position.
        With no node drawn, the last offset seen is used (or, before any, the canvas's corner and CANVAS_INSET).
        """
        self.measure(now=True)
        if self._canvas_offset is None:
            # The tab's corner above the canvas was used: the first node added to an empty patch landed 8 px right
            # of and 54 px below the right click that placed it.
            left, top, _, _ = self.screen_rect()
            offset = (left + CANVAS_INSET[0], top + CANVAS_INSET[1])
        else:
            offset = self._canvas_offset
        return ((point[0] - offset[0] - self.pan[0]) / self.scale, (point[1] - offset[1] - self.pan[1]) / self.scale)

    def screen_rect(self) -> tuple[float, float, float, float]:
        """The canvas on screen (viewport coordinates): left, top, width, height."""
        above = f"{self.tag}:above"
        (x, y), (_, h) = dpg.get_item_rect_min(above), dpg.get_item_rect_size(above)
        width, height = dpg.get_item_rect_size(self.tag) or (0, 0)
        return float(x), float(y + h + 4), float(width), float(height)

    def _view(self, position: tuple[float, float]) -> tuple[float, float]:
        return (position[0] * self.scale + self.pan[0], position[1] * self.scale + self.pan[1])

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view: every node is drawn (dx, dy) further; the patch's positions stay as they are."""
        dx, dy = float(int(dx)), float(int(dy))
        if not (dx or dy):
            return
        self.pan = (self.pan[0] + dx, self.pan[1] + dy)
        for node_id, (x, y) in self._positions.items():  # each one drawn: a removal takes it out with its item
            self._place(node_id, (x + dx, y + dy))
            self._positions[node_id] = (x + dx, y + dy)

    def _place(self, node_id: str, pos: tuple[float, float]) -> None:
        """Draw a node at ``pos`` from the next frame on, remembering where it was drawn until then."""
        tag, frame = f"node:{node_id}", dpg.get_frame_count()
        if self._placed.get(node_id, (-1,))[0] != frame:  # the first placing this frame: what the frame drew
            old = dpg.get_item_pos(tag)
            if old:
                self._placed[node_id] = (frame, (float(old[0]), float(old[1])))
        dpg.set_item_pos(tag, [int(pos[0]), int(pos[1])])

    def drag_along(self, lead: str, others: list[str]) -> None:
        """Draw ``others`` as far from where the view put them as ``lead`` has been dragged from its place: imnodes
        drags the node under the mouse (and its own selection) only, and marked nodes (pasted) are not that."""
        # The group is kept from the press to the release, and Delete or Ctrl+Z between two frames of the drag may
        # remove any of its nodes: only those still drawn (in _positions, which a removal empties) are asked about.
        start = self._positions.get(lead)
        if start is None:
            return
        pos = dpg.get_item_pos(f"node:{lead}")
        if not pos:
            return
        dx, dy = pos[0] - start[0], pos[1] - start[1]
        for node_id in others:
            start = self._positions.get(node_id)
            if node_id == lead or start is None:
                continue
            x, y = start
            if dpg.get_item_pos(f"node:{node_id}") != [int(x + dx), int(y + dy)]:
                self._place(node_id, (x + dx, y + dy))

    def commit_moves(self) -> list[str]:
        """Record nodes dragged since the last call as one undoable move (called on mouse release); returns them."""
        moved = {}
        for node_id, old in self._positions.items():
            pos = dpg.get_item_pos(f"node:{node_id}")
            if pos and (float(pos[0]), float(pos[1])) != old:
                moved[node_id] = (float(pos[0]), float(pos[1]))
        if moved:
            self._positions.update(moved)
            self.model.move_nodes({n: ((x - self.pan[0]) / self.scale, (y - self.pan[1]) / self.scale)
                                   for n, (x, y) in moved.items()})
        return list(moved)
