"""The patch view: a Dear PyGui node editor that mirrors the editor model.

It draws what the model says (nodes, ports, links, refused links) and turns widget gestures into
model calls (link, unlink, move, delete). While the patch runs it shows each node's live state. Where it draws
on screen (the canvas's offset, the editor's own pan, nodes placed and dragged along) is canvas_geometry.py's.
"""

from __future__ import annotations

import re
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.canvas_geometry import CanvasGeometry
from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.live_badges import NODE_TEXT_W, LiveBadges
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.node_text import add_fitted_text
from exsampling_patch.editor.node_themes import make_themes
from exsampling_patch.editor.params import format_value, port_help, value_tip
from exsampling_patch.patch import Link, PortRef

ERROR_RED = (235, 80, 70)
#: In the compact display (View > Compact nodes, C) nodes are drawn at this fraction of their distances.
COMPACT_SCALE = 0.5
MINIMAP_MAX_NODES = 60
WARN_YELLOW = (230, 200, 90)
#: imnodes' PinHoverRadius: a press this near a pin (drawn on its node's left or right edge) starts a link.
PIN_REACH = 10.0


def _alias(kind: str, ref: PortRef) -> str:
    return f"{kind}:{ref.node}.{ref.port}"


def _grid_spot(index: int) -> tuple[float, float]:
    """Where the node at ``index`` of the patch is drawn when the file gives it no position (a hand-written
    patch): five a row."""
    return (40.0 + 260 * (index % 5), 40.0 + 200 * (index // 5))


def node_label(node_id: str, type_name: str) -> str:
    """A node's title: its id, followed by its type where the id does not say it. A pasted or duplicated node's
    id (``confidence_gate_2``) does: titled "confidence_gate_2 : confidence_gate", it was wider than the node
    copied and covered the input pins of the pasted node beside it."""
    if node_id == type_name or re.fullmatch(re.escape(type_name) + r"_\d+", node_id):
        return node_id
    return f"{node_id} : {type_name}"


class PatchView(CanvasGeometry):
    """The node editor widget. ``tag`` is the node editor's tag."""

    def __init__(self, model: EditorModel, tag: str = "patch_editor") -> None:
        self.model = model
        self.tag = tag
        self._ports: dict[int, PortRef] = {}  # attribute item id -> port
        self._links: dict[Link, int] = {}  # link -> link item id
        self._link_items: dict[int, Link] = {}
        self._positions: dict[str, tuple[float, float]] = {}  # last positions the view drew
        self._themes: dict[str, int] = {}
        #: Nodes marked as selected by the editor (pasted, duplicated): Dear PyGui cannot select from code.
        self.chosen: list[str] = []
        self.spawn_position: tuple[float, float] = (60.0, 60.0)
        self._rebuilt_at = -2  # the frame of the last rebuild (see selected_nodes)
        self._canvas_offset: tuple[float, float] | None = None  # viewport position of grid (0, 0), pan included
        #: node id -> (frame count, position before): a node placed from code (a pan, an undone move) keeps the
        #: corner on screen of its old position until the next frame draws it, so grid_at pairs the two.
        self._placed: dict[str, tuple[int, tuple[float, float]]] = {}
        self._measured_by: str | None = None  # the node the canvas offset was last measured from
        self._unseen_at: int | None = None  # the frame measure() last found no node in view
        #: How far the editor's own panning (keys, space+drag, fit) has moved the drawing: Dear PyGui cannot pan
        #: a node editor from code (hoffstadt/DearPyGui#2551), so nodes are drawn at ``position + pan``.
        self.pan: tuple[float, float] = (0.0, 0.0)
        self.minimap = False  # View > Minimap (M)
        #: The compact display: nodes show their id and pins only (no parameters, status or badges' text), and are
        #: drawn at COMPACT_SCALE of their distances, so that a big patch fits (the node editor cannot zoom).
        self.compact = False
        self.scale = 1.0
        self.badges = LiveBadges(self._theme_for)
        #: node id -> the frame :meth:`_raise` hid it at, for a frame, to be drawn on top
        self._hidden: dict[str, int] = {}
        model.listen(self._on_change)

    # -- building -----------------------------------------------------------------------------------------------

    def build(self, parent: int | str) -> None:
        if not self._themes:
            self._themes = make_themes()
        # An empty line just above the canvas tells where the canvas is on screen (the node editor's own rectangle
        # reads (0, 0)): the canvas starts one item spacing (ImGui's 4 px) below it.
        dpg.add_text("", tag=f"{self.tag}:above", parent=parent)
        with dpg.node_editor(tag=self.tag, parent=parent, callback=self._on_link, delink_callback=self._on_delink,
                             minimap=False, minimap_location=dpg.mvNodeMiniMap_Location_BottomRight,
                             width=-1, height=-1):
            pass
        self.rebuild()

    def rebuild(self) -> None:
        """Redraw everything from the model (after open or new)."""
        # The node editor keeps its selection by slot, not by node: kept, it selected another node (of the patch
        # opened, or the one drawn anew in that slot by C), and Delete deleted it. Cleared at the next frame drawn,
        # it reports that other node until then.
        dpg.clear_selected_nodes(self.tag)
        dpg.clear_selected_links(self.tag)
        self._rebuilt_at = dpg.get_frame_count()
        dpg.delete_item(self.tag, children_only=True)
        # The minimap draws every node a second time, which big patches cannot afford on a software renderer.
        self.show_minimap(self.minimap)
        self._ports.clear()
        self._links.clear()
        self._link_items.clear()
        self._positions.clear()
        self._placed.clear()
        self._hidden.clear()  # drawn anew, shown
        self.badges.drawn_anew()
        linked: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
        for link in self.model.patch.links:
            linked.setdefault(link.target.node, ({}, {}))[0][link.target.port] = None
            linked.setdefault(link.source.node, ({}, {}))[1][link.source.port] = None
        for i, node_id in enumerate(self.model.patch.nodes):
            self._add_node(node_id, default_pos=_grid_spot(i), linked=linked.get(node_id, ({}, {})))
        for link in self.model.patch.links:
            self._add_link(link)
        self.refresh_problems()
        self.badges.redraw()

    def _unplaced_spot(self, node_id: str) -> tuple[float, float]:
        """Where a node with no position is drawn, as the patch opened drew it: a move of it undone, or its delete,
        put it back there (it stayed where it was dragged, or went to the last right-click's spot)."""
        return _grid_spot(list(self.model.patch.nodes).index(node_id))

    def set_compact(self, on: bool) -> None:
        """Switch the compact display on or off (the patch itself does not change)."""
        kept = self.selected_nodes() or [n for n in self.chosen if n in self.model.patch.nodes]
        self.compact, self.scale = on, COMPACT_SCALE if on else 1.0
        self.rebuild()
        self.choose(kept)  # still what Delete, Ctrl+C act on: the canvas's own selection is gone with the rebuild

    def _add_node(self, node_id: str, default_pos: tuple[float, float] | None = None,
                  linked: tuple[dict[str, None], dict[str, None]] | None = None) -> None:
        spec = self.model.patch.nodes[node_id]
        known = spec.type in self.model.registry
        node_type = self.model.registry.get(spec.type) if known else None
        pos = self._view(spec.position or default_pos or self._unplaced_spot(node_id))
        label = node_id if self.compact else node_label(node_id, spec.type)
        if linked is None:
            linked = ({}, {})
            for link in self.model.patch.links:
                if link.target.node == node_id:
                    linked[0][link.target.port] = None
                if link.source.node == node_id:
                    linked[1][link.source.port] = None
        # Ports the file's links name that the type lacks (or every linked port of an unknown type): drawn as
        # pins of their own, so that those links show, and stay, until the user fixes them.
        ghost_in = [p for p in linked[0] if node_type is None or p not in node_type.inputs]
        ghost_out = [p for p in linked[1] if node_type is None or p not in node_type.outputs]
        with dpg.node(label=label if known else f"? {label}", tag=f"node:{node_id}", parent=self.tag,
                      pos=[int(pos[0]), int(pos[1])]):
            for name in ghost_in:
                self._add_ghost_pin(PortRef(node_id, name), dpg.mvNode_Attr_Input)
            if node_type is not None:
                for name, port in node_type.inputs.items():
                    ref = PortRef(node_id, name)
                    with dpg.node_attribute(tag=_alias("in", ref), attribute_type=dpg.mvNode_Attr_Input,
                                            shape=dpg.mvNode_PinShape_CircleFilled) as attr:
                        label = dpg.add_text(name if self.compact else
                                             f"{name} ({port.type}{', many' if port.multiple else ''})")
                        with dpg.tooltip(label):
                            dpg.add_text(port_help(name, port, output=False), wrap=360)
                    self._add_refusal_row(ref)
                    self._ports[dpg.get_alias_id(attr)] = ref
                    dpg.bind_item_theme(attr, self._themes.get(port.type.name, 0))
                for name, port in node_type.outputs.items():
                    ref = PortRef(node_id, name)
                    with dpg.node_attribute(tag=_alias("out", ref), attribute_type=dpg.mvNode_Attr_Output,
                                            shape=dpg.mvNode_PinShape_TriangleFilled) as attr:
                        label = dpg.add_text(name if self.compact else f"{name} ({port.type})",
                                             indent=8 if self.compact else 40)
                        with dpg.tooltip(label):
                            dpg.add_text(port_help(name, port, output=True), wrap=360)
                    self._ports[dpg.get_alias_id(attr)] = ref
                    dpg.bind_item_theme(attr, self._themes.get(port.type.name, 0))
            for name in ghost_out:
                self._add_ghost_pin(PortRef(node_id, name), dpg.mvNode_Attr_Output)
            with dpg.node_attribute(attribute_type=dpg.mvNode_Attr_Static, show=not self.compact):
                if not known:  # a placeholder keeps the parameters it was given: show them, as wide as the node
                    for name, value in spec.params.items():
                        add_fitted_text(f"{name}: {format_value(value)}", NODE_TEXT_W, f"kept:{node_id}:{name}",
                                        value_tip(name, value), color=(190, 190, 190))
                dpg.add_text("", tag=f"problem:{node_id}", color=WARN_YELLOW, wrap=NODE_TEXT_W, show=False)
                dpg.add_progress_bar(tag=f"level:{node_id}", width=160, height=8, show=False)
                dpg.add_text("", tag=f"live:{node_id}", show=False)
                dpg.add_text("", tag=f"error:{node_id}", color=ERROR_RED, wrap=NODE_TEXT_W, show=False)
        if not known or node_id in self.chosen:
            dpg.bind_item_theme(f"node:{node_id}", self._theme_for(node_id))
        self._positions[node_id] = (float(int(pos[0])), float(int(pos[1])))

    def _theme_for(self, node_id: str) -> int:
        if node_id in self.chosen:  # failing, the title red still: a node just added that failed showed blue
            return int(self._themes["chosen_error" if self.badges.has_error(node_id) else "chosen"])
        if self.badges.has_error(node_id):
            return int(self._themes["error"])
        spec = self.model.patch.nodes.get(node_id)
        return int(self._themes["placeholder"]) if spec is not None and spec.type not in self.model.registry else 0

    def choose(self, node_ids: list[str]) -> None:
        """Mark nodes as selected (and unmark the others). Each is drawn: callers pass nodes of the patch, which
        the view draws as the model adds them, and a node removed, renamed or reset leaves ``chosen`` as its item
        goes (:meth:`_on_change`)."""
        before, self.chosen = self.chosen, list(node_ids)
        for node_id in dict.fromkeys([*before, *node_ids]):
            dpg.bind_item_theme(f"node:{node_id}", self._theme_for(node_id))

    def _redraw_node(self, node_id: str) -> None:
        """Draw one node again (its type or its pins changed), with the links that touch it."""
        for link in [ln for ln in self._links if node_id in (ln.source.node, ln.target.node)]:
            item = self._links.pop(link)
            self._link_items.pop(item, None)
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
        for attr in [a for a, ref in self._ports.items() if ref.node == node_id]:
            del self._ports[attr]
        self.badges.drawn_anew(node_id)
        self._hidden.pop(node_id, None)  # drawn anew, shown
        if dpg.does_item_exist(f"node:{node_id}"):
            dpg.delete_item(f"node:{node_id}")
        self._add_node(node_id)
        for link in self.model.patch.links:
            if node_id in (link.source.node, link.target.node):
                self._add_link(link)
        self.refresh_problems()

    def _raise(self, node_id: str) -> None:
        """Draw a node that grew (its error, a refused link's reason) over its neighbours: the one placed below it
        covered its error. imnodes puts a node it first meets on top and forgets one not drawn for a frame, so it is
        hidden for a frame (:meth:`frame` shows it again); made anew at once, it kept its depth (imnodes moves its
        newest node into the place of the one it forgets). A selected node is on top already (a click raises it)."""
        tag = f"node:{node_id}"
        if node_id in self._hidden or node_id in self.selected_nodes() or not dpg.does_item_exist(tag):
            return
        self._hidden[node_id] = dpg.get_frame_count()
        dpg.configure_item(tag, show=False)
        for link, item in self._links.items():
            if node_id in (link.source.node, link.target.node) and dpg.does_item_exist(item):
                dpg.configure_item(item, show=False)  # drawn to pins imnodes does not know this frame

    def frame(self) -> None:
        """Show again the nodes :meth:`_raise` hid a frame ago (and their links), where they were."""
        for node_id, frame in list(self._hidden.items()):
            if dpg.get_frame_count() <= frame + 1:
                continue
            del self._hidden[node_id]
            tag = f"node:{node_id}"
            if not dpg.does_item_exist(tag):  # removed meanwhile
                continue
            pos = dpg.get_item_pos(tag)  # where it is now (a move meanwhile included): imnodes meets it anew at 0, 0
            if pos:
                dpg.set_item_pos(tag, [int(pos[0]), int(pos[1])])
            dpg.configure_item(tag, show=True)
            for link, item in self._links.items():
                if node_id in (link.source.node, link.target.node) and dpg.does_item_exist(item):
                    dpg.configure_item(item, show=True)

    def _renamed(self, old: str, new: str) -> None:
        """Draw a renamed node under its new id, where it was, with its links."""
        for link in [ln for ln in self._links if old in (ln.source.node, ln.target.node)]:
            item = self._links.pop(link)
            self._link_items.pop(item, None)
            if dpg.does_item_exist(item):
                dpg.delete_item(item)
        for attr in [a for a, ref in self._ports.items() if ref.node == old]:
            del self._ports[attr]
        self.badges.drawn_anew(old)
        self._positions.pop(old, None)
        self._placed.pop(old, None)
        self.chosen = [new if n == old else n for n in self.chosen]
        if dpg.does_item_exist(f"node:{old}"):
            dpg.delete_item(f"node:{old}")
        self._add_node(new)
        for link in self.model.patch.links:
            if new in (link.source.node, link.target.node):
                self._add_link(link)
        self.refresh_problems()

    def _add_ghost_pin(self, ref: PortRef, kind: int) -> None:
        output = kind == dpg.mvNode_Attr_Output
        with dpg.node_attribute(tag=_alias("out" if output else "in", ref), attribute_type=kind,
                                shape=dpg.mvNode_PinShape_Triangle if output else dpg.mvNode_PinShape_Circle) as attr:
            dpg.add_text(f"{ref.port} (?)", color=WARN_YELLOW, indent=40 if output else 0)
        if not output:
            self._add_refusal_row(ref)
        self._ports[dpg.get_alias_id(attr)] = ref

    @staticmethod
    def _add_refusal_row(ref: PortRef) -> None:
        """Why a link into ``ref`` was refused, on a row of its own under the input, shown by :meth:`_show_refusal`.
        Written in the input's own row, it made that row taller and imnodes drew the pin at its middle, beside the
        reason: away from the input's name, and from where the link hints look for it (a link dragged there was
        not made)."""
        with dpg.node_attribute(tag=f"refusal_row:{ref}", attribute_type=dpg.mvNode_Attr_Static, show=False):
            dpg.add_text("", tag=f"refusal:{ref}", color=ERROR_RED, wrap=NODE_TEXT_W, show=False)

    def _add_link(self, link: Link) -> None:
        source, target = _alias("out", link.source), _alias("in", link.target)
        if not (dpg.does_item_exist(source) and dpg.does_item_exist(target)):
            return  # a link to a node that is not there: listed as a problem, kept in the patch
        item = dpg.add_node_link(source, target, parent=self.tag)
        self._links[link] = item
        self._link_items[item] = link

    # -- model -> view ------------------------------------------------------------------------------------------

    def _on_change(self, what: str, subject: Any) -> None:
        if not dpg.does_item_exist(self.tag):
            return
        if what == "reset":
            self.chosen = []
            self.badges.forget()
            self.rebuild()
        elif what == "node_retyped":
            self._redraw_node(subject)
        elif what == "node_renamed":
            self._renamed(*subject)
        elif what == "node_added":
            self._add_node(subject)
        elif what == "node_removed":
            for attr in [a for a, ref in self._ports.items() if ref.node == subject]:
                del self._ports[attr]
            self._positions.pop(subject, None)
            self._placed.pop(subject, None)
            self.badges.forget(subject)
            self.chosen = [n for n in self.chosen if n != subject]  # a node brought back (redo) is not marked
            dpg.delete_item(f"node:{subject}")
        elif what == "node_moved":
            pos = self._view(self.model.patch.nodes[subject].position or self._unplaced_spot(subject))
            self._place(subject, pos)
            self._positions[subject] = (float(int(pos[0])), float(int(pos[1])))
        elif what == "link_added":
            missing = [ref.node for ref in (subject.source, subject.target)
                       if ref.node in self.model.patch.nodes and not dpg.does_item_exist(
                           _alias("out" if ref is subject.source else "in", ref))]
            for node_id in dict.fromkeys(missing):  # a port its type lacks (an undone delete brought it back)
                self._redraw_node(node_id)
            if not missing:
                self._add_link(subject)
        elif what == "link_removed":
            item = self._links.pop(subject, None)
            if item is not None:
                self._link_items.pop(item, None)
                if dpg.does_item_exist(item):
                    dpg.delete_item(item)
        elif what == "refused":
            self._show_refusal(subject.target)
            self._raise(subject.target.node)
        if what in ("node_added", "node_removed", "link_added", "link_removed", "param_changed", "problems"):
            self.refresh_problems()

    def _show_refusal(self, target: PortRef) -> None:
        tag = f"refusal:{target}"
        if not dpg.does_item_exist(tag):
            return
        refused = self.model.refusals.get(target)
        dpg.set_value(tag, f"refused: {refused[1]}" if refused else "")
        dpg.configure_item(tag, show=refused is not None)
        dpg.configure_item(f"refusal_row:{target}", show=refused is not None)

    def refresh_problems(self) -> None:
        """Show on each node what keeps the patch from running (a missing required parameter, ...)."""
        found = self.model.node_problems()
        for node_id in self.model.patch.nodes:
            tag = f"problem:{node_id}"
            if dpg.does_item_exist(tag):
                text = "\n".join(m.removeprefix(f"node '{node_id}': ") for m in found.get(node_id, ()))
                if dpg.get_value(tag) != text:
                    dpg.set_value(tag, text)
                    dpg.configure_item(tag, show=bool(text))

    # -- view -> model ------------------------------------------------------------------------------------------

    def _port_of(self, item: int | str) -> PortRef | None:
        key = dpg.get_alias_id(item) if isinstance(item, str) else item
        return self._ports.get(key)

    def _on_link(self, sender: Any, app_data: tuple[int | str, int | str], user_data: Any = None) -> None:
        """A link dragged from an output to an input: the model decides (and says why not)."""
        source, target = self._port_of(app_data[0]), self._port_of(app_data[1])
        if source is None or target is None:
            return
        self.model.connect(source, target)

    def _on_delink(self, sender: Any, app_data: int | str, user_data: Any = None) -> None:
        item = dpg.get_alias_id(app_data) if isinstance(app_data, str) else app_data
        link = self._link_items.get(item)
        if link is not None:
            self.model.disconnect([link])

    def pins(self) -> dict[int, PortRef]:
        """Every pin drawn: attribute item -> port (aliases ``in:<ref>``, ``out:<ref>``)."""
        return dict(self._ports)

    def pin_theme(self, ref: PortRef, output: bool = False) -> int:
        """The theme of an input's (or output's) pin: its port type's colour (0 for a port its node's type lacks)."""
        spec = self.model.patch.nodes.get(ref.node)
        if spec is None or spec.type not in self.model.registry:
            return 0
        node_type = self.model.registry.get(spec.type)
        port = (node_type.outputs if output else node_type.inputs).get(ref.port)
        return int(self._themes.get(port.type.name, 0)) if port is not None else 0

    def selected_nodes(self) -> list[str]:
        if dpg.get_frame_count() <= self._rebuilt_at + 1:  # the selection before a rebuild, in other nodes' slots
            return []
        ids = []
        for item in dpg.get_selected_nodes(self.tag):
            alias = dpg.get_item_alias(item)
            if alias and alias.startswith("node:"):
                ids.append(alias[5:])
        return ids

    def node_at(self, point: list[float] | tuple[float, ...]) -> str | None:
        """The node under ``point`` (viewport coordinates), its pins included: they stick out of its edges, and a
        press within PIN_REACH of one starts a link. Where nodes overlap, the one drawn on top: the one imnodes
        says is under the mouse, else the one added last (imnodes draws it over the others until one is clicked).
        The first in the patch won: a click on a pasted node's title over the node copied selected the copied one
        (drawn under it), the inspector showed it, and Delete took it."""
        under = []
        for node_id in self._positions:  # each one drawn: a removal takes it out with its item
            tag = f"node:{node_id}"
            if not dpg.is_item_visible(tag):
                continue
            (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
            if x - PIN_REACH <= point[0] <= x + w + PIN_REACH and y - PIN_REACH <= point[1] <= y + h + PIN_REACH:
                under.append(node_id)
        if len(under) < 2:
            return under[0] if under else None
        for node_id in under:
            if dpg.is_item_hovered(f"node:{node_id}"):
                return node_id
        return under[-1]

    def selected_links(self) -> list[Link]:
        return [self._link_items[i] for i in dpg.get_selected_links(self.tag) if i in self._link_items]

    def link_item(self, link: Link) -> int | None:
        return self._links.get(link)

    def show_minimap(self, on: bool) -> None:
        """The minimap (bottom right; a click on it moves the view there) is off unless asked for: it covers
        nodes. Patches over MINIMAP_MAX_NODES never get it (it draws every node a second time)."""
        self.minimap = on
        dpg.configure_item(self.tag, minimap=on and self.minimap_allowed())

    def minimap_allowed(self) -> bool:
        """Whether the patch is small enough for the minimap (:data:`MINIMAP_MAX_NODES`)."""
        return len(self.model.patch.nodes) <= MINIMAP_MAX_NODES

    # -- live state (live_badges.py) ------------------------------------------------------------------------------

    def show_live(self, node_id: str, live: NodeLive | None) -> None:
        """Draw a node's level, last label and confidence, slot, latency and error badge; a node that comes into
        an error is raised over its neighbours, so that its error is read whole."""
        failed = live is not None and bool(live.error) and not self.badges.has_error(node_id)
        self.badges.show(node_id, live)
        if failed and self.badges.has_error(node_id):
            self._raise(node_id)

    def clear_live(self) -> None:
        for node_id in self.model.patch.nodes:
            self.show_live(node_id, None)
