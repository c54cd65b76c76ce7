"""A link dragged while a node is deleted: a pin listed may be gone when it is measured, lit or cleared.

Dear PyGui runs callbacks (Del, the menus) on its own thread while the frame loop walks the pins for
:class:`LinkHints`, so an attribute's node can be deleted between the pins' listing and a question about one.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.link_hints import LinkHints
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.patch import Link, PortRef


class View:
    """What :class:`LinkHints` reads of the view: its pins, an input's own theme, and the model's link rule;
    ``meanwhile`` runs when the rule or the theme is asked about an input (what the other thread does then)."""

    def __init__(self, pins: dict[int, PortRef], meanwhile: Callable[[PortRef], None] = lambda ref: None) -> None:
        self._pins, self.meanwhile = pins, meanwhile
        self.model = SimpleNamespace(patch=SimpleNamespace(nodes={ref.node: None for ref in pins.values()}, links=[]),
                                     link_problem=self._link_problem)

    def _link_problem(self, link: Link) -> str | None:
        self.meanwhile(link.target)
        return None

    def pins(self) -> dict[int, PortRef]:
        return dict(self._pins)

    def pin_theme(self, ref: PortRef, output: bool = False) -> int:
        self.meanwhile(ref)
        return 0


def test_output_at_skips_a_pin_whose_node_is_deleted_while_it_is_measured(context: None,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with dpg.window(), dpg.node_editor(), dpg.node(tag="node:inbox"), dpg.node_attribute(
            tag="out:inbox.take", attribute_type=dpg.mvNode_Attr_Output):
        dpg.add_text("take")
    node, attr = dpg.get_alias_id("node:inbox"), dpg.get_alias_id("out:inbox.take")
    hints = LinkHints(cast(PatchView, View({attr: PortRef("inbox", "take")})))
    listed = dpg.get_item_children

    def deleted_meanwhile(item: int | str, slot: int = -1) -> object:
        children = listed(item, slot)
        if item == attr and dpg.does_item_exist(node):
            dpg.delete_item(node)  # Del on the callback thread, after the attribute's listing
        return children

    monkeypatch.setattr(dpg, "get_item_children", deleted_meanwhile)
    assert hints.output_at((0.0, 0.0)) is None
    assert not dpg.does_item_exist(node)


def two_inputs() -> dict[int, PortRef]:
    pins = {}
    with dpg.window(), dpg.node_editor():
        for node in ("trim", "log"):
            with dpg.node(tag=f"node:{node}"), dpg.node_attribute(tag=f"in:{node}.take") as attr:
                dpg.add_text("take")
            pins[dpg.get_alias_id(attr)] = PortRef(node, "take")
    return pins


def delete_log(asked: PortRef) -> None:
    """Del on the callback thread while the log's input is asked about: the node goes, its pin with it."""
    if asked.node == "log" and dpg.does_item_exist("node:log"):
        dpg.delete_item("node:log")


def test_lighting_the_inputs_skips_one_whose_node_is_deleted_meanwhile(context: None) -> None:
    hints = LinkHints(cast(PatchView, View(two_inputs(), delete_log)))
    hints.show(PortRef("inbox", "take"))
    assert hints.fits == {PortRef("trim", "take"): True}
    assert dpg.get_item_theme("in:trim.take") == hints._theme(True)


def test_clearing_the_hints_skips_an_input_whose_node_is_deleted_meanwhile(context: None) -> None:
    view = View(two_inputs())
    hints = LinkHints(cast(PatchView, view))
    hints.show(PortRef("inbox", "take"))
    view.meanwhile = delete_log
    hints.clear()
    assert hints.fits == {} and hints.source is None
    assert dpg.get_item_theme("in:trim.take") is None  # its own look again (no port type here)
