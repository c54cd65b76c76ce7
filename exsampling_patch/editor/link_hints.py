"""While a link is dragged from an output, show which inputs fit: their pins lit, the others dimmed; dragged from
an input, which outputs may feed it.

Dear PyGui's node editor tells nothing when a link drag starts (imnodes' ``IsLinkStarted`` is not exposed: the
node editor has a callback for a link made and one for a link removed, no more). So :meth:`LinkHints.frame`,
called once a frame, watches the left mouse button: when it goes down on an output pin (imnodes draws it at
the node's right edge, level with the port's row, and starts a drag within its hover radius of it), every
input of the patch is checked with the rule that refuses links (:meth:`EditorModel.link_problem`: port types,
single inputs already linked, cycles), and lit or dimmed until the button goes up. A press on an input pin
(imnodes drags a link from there too, dropped on an output) checks and lights every output the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.patch_view import PIN_REACH, PatchView
from exsampling_patch.patch import Link, PortRef

FIT = (255, 235, 110)
DIM_PIN, DIM_TEXT = (55, 55, 60), (105, 105, 110)


class LinkHints:
    """Lights the inputs a link dragged from an output may go to (or the outputs a link dragged from an input may
    come from); :attr:`fits` says which (empty when no drag)."""

    def __init__(self, view: PatchView, say: Callable[[str], None] | None = None) -> None:
        self.view = view
        self.say = say  # the status bar: why a drag dropped on a pin made no link, where imnodes does not say
        self.source: PortRef | None = None  # the pin the drag started from
        self.fits: dict[PortRef, bool] = {}  # pin at the other end -> whether the dragged link may go there
        self.lit_outputs = False  # whether the pins lit are outputs (a drag from an input)
        self._was_down = False
        self._themes: dict[bool, int] = {}
        self._linked: set[Link] = set()

    def _theme(self, fits: bool) -> int:
        if fits not in self._themes:
            with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):
                pin = FIT if fits else DIM_PIN
                dpg.add_theme_color(dpg.mvNodeCol_Pin, pin, category=dpg.mvThemeCat_Nodes)
                dpg.add_theme_color(dpg.mvNodeCol_PinHovered, (255, 255, 255), category=dpg.mvThemeCat_Nodes)
                dpg.add_theme_color(dpg.mvThemeCol_Text, FIT if fits else DIM_TEXT)
            self._themes[fits] = int(theme)
        return self._themes[fits]

    def frame(self) -> None:
        """Once a frame: a press on an output pin shows the hints, the release clears them."""
        down = dpg.is_mouse_button_down(dpg.mvMouseButton_Left)
        if down and not self._was_down:
            mouse = dpg.get_mouse_pos(local=False)
            source = self.output_at(mouse)
            target = self.pin_at(mouse, output=False) if source is None else None
            if source is not None:
                self.show(source)
            elif target is not None:
                self.show_feeders(target)
        elif not down and self.source is not None:
            self._tell_no_link(dpg.get_mouse_pos(local=False))
            self.clear()
        self._was_down = down

    def _tell_no_link(self, point: list[float] | tuple[float, ...]) -> None:
        """Say why a drag dropped on a pin of the same kind (output on output, input on input) or of the same node
        made no link: imnodes refuses those itself, before the model is asked, and the composer saw nothing."""
        source = self.source
        if self.say is None or source is None:
            return
        from_output = not self.lit_outputs
        others = self.pins_at(point, output=not from_output)
        ends = [Link(source, ref) if from_output else Link(ref, source) for ref in others if ref.node != source.node]
        if ends and all(link in self._linked for link in ends):
            # imnodes makes no link where one is already: the drop did nothing, and nothing was said.
            self.say(f"no link made: {ends[0]} is there already")
            return
        if ends:
            # A link was made, or refused by the model, which says why. Where nodes overlap, imnodes links the pin
            # drawn on top: one of the source's own node under it is no sign that no link was made. Unless imnodes
            # had that one under the mouse as it let go (its own pin on top, the other node's covered): it refused
            # the drop itself, and the model was never asked.
            own = [ref for ref in self.hovered_pins(point, output=not from_output) if ref.node == source.node]
            if own:
                covered = ends[0].target if from_output else ends[0].source
                self.say(f"no link: {source} and {own[0]} are on the same node, and a node cannot feed itself; "
                         f"{covered} lies under that pin: move {source.node} off {covered.node} to link there")
            return
        other = others[0] if others else None
        same_kind = self.pin_at(point, output=from_output)
        if same_kind is not None and same_kind != source:
            kind = "outputs" if from_output else "inputs"
            self.say(f"no link: {source} and {same_kind} are both {kind}; a link goes from an output to an input")
        elif other is not None:
            self.say(f"no link: {source} and {other} are on the same node, and a node cannot feed itself")
        elif same_kind is None and (node := self.view.node_at(point)) not in (None, source.node):
            # Dropped on the node and not on a pin: imnodes makes no link, and the composer saw nothing happen.
            pins = "an output's pin (right edge)" if self.lit_outputs else "an input's pin (left edge)"
            self.say(f"no link: dropped on {node}, not on a pin; drop it on {pins}, lit yellow where it fits")

    def output_at(self, point: list[float] | tuple[float, ...]) -> PortRef | None:
        """The output whose pin is under ``point`` (viewport coordinates), if any."""
        return self.pin_at(point, output=True)

    def pin_at(self, point: list[float] | tuple[float, ...], output: bool) -> PortRef | None:
        """The output (or input) whose pin is under ``point`` (viewport coordinates), if any."""
        pins = self.pins_at(point, output)
        return pins[0] if pins else None

    def pins_at(self, point: list[float] | tuple[float, ...], output: bool) -> list[PortRef]:
        """The outputs (or inputs) whose pins are under ``point`` (viewport coordinates): several where nodes
        overlap."""
        pins = []
        for attr, ref in self.view.pins().items():
            if self._is_output(attr) != output:
                continue
            pin = self.pin_point(attr, output=output)
            if pin is not None and (point[0] - pin[0]) ** 2 + (point[1] - pin[1]) ** 2 <= PIN_REACH ** 2:
                pins.append(ref)
        return pins

    def hovered_pins(self, point: list[float] | tuple[float, ...], output: bool) -> list[PortRef]:
        """The outputs (or inputs) under ``point`` whose pin imnodes had under the mouse in the frame drawn last: the
        one a link dropped there went to (of pins that overlap, the one drawn on top)."""
        under = set(self.pins_at(point, output))
        found = []
        for attr, ref in self.view.pins().items():
            if ref in under and self._is_output(attr) == output and dpg.is_item_hovered(attr):
                found.append(ref)
        return found

    @staticmethod
    def _is_output(attr: int) -> bool:
        return (dpg.get_item_alias(attr) or "").startswith("out:")

    @staticmethod
    def pin_point(attr: int | str, output: bool) -> tuple[float, float] | None:
        """Where imnodes draws an attribute's pin, in viewport coordinates: at its node's right edge (an output)
        or left edge (an input), level with the middle of the attribute's row."""
        node = dpg.get_item_parent(attr)
        children = dpg.get_item_children(attr, 1) or []
        if node is None or not children or not dpg.is_item_visible(node):
            return None
        (nx, _), (nw, _) = dpg.get_item_rect_min(node), dpg.get_item_rect_size(node)
        (_, ty), (_, th) = dpg.get_item_rect_min(children[0]), dpg.get_item_rect_size(children[0])
        return (float(nx + nw) if output else float(nx), float(ty + th / 2))

    def show(self, source: PortRef) -> None:
        """Light the inputs a link from ``source`` may go to, dim the others."""
        self._light(source, outputs=False)

    def show_feeders(self, target: PortRef) -> None:
        """Light the outputs a link into ``target`` may come from, dim the others."""
        self._light(target, outputs=True)

    def _light(self, pressed: PortRef, outputs: bool) -> None:
        self.source, self.lit_outputs = pressed, outputs
        self.fits.clear()
        model = self.view.model
        self._linked = set(model.patch.links)  # as the drag starts: the link its drop makes is not among them
        for attr, ref in self.view.pins().items():
            if self._is_output(attr) != outputs or ref.node not in model.patch.nodes:
                continue
            link = Link(ref, pressed) if outputs else Link(pressed, ref)
            fits = ref.node != pressed.node and model.link_problem(link) is None
            dpg.bind_item_theme(attr, self._theme(fits))
            self.fits[ref] = fits

    def clear(self) -> None:
        """Every pin lit or dimmed back to its own look."""
        for attr, ref in self.view.pins().items():
            if ref in self.fits and self._is_output(attr) == self.lit_outputs:
                dpg.bind_item_theme(attr, self.view.pin_theme(ref, self.lit_outputs))
        self.source = None
        self.fits.clear()
