"""A press on the canvas while a node is deleted: the pin being measured may be gone when it is asked for.

Dear PyGui runs callbacks (Del, the menus) on its own thread while the frame loop walks the pins for
:meth:`LinkHints.output_at`, so an attribute's node can be deleted between two of the questions it is asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.link_hints import LinkHints
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.patch import PortRef


class Pins:
    """What :class:`LinkHints` reads of the view here: its pins."""

    def __init__(self, pins: dict[int, PortRef]) -> None:
        self._pins = pins

    def pins(self) -> dict[int, PortRef]:
        return dict(self._pins)


@pytest.fixture
def context() -> Iterator[None]:
    dpg.create_context()
    try:
        yield
    finally:
        dpg.destroy_context()


def test_output_at_skips_a_pin_whose_node_is_deleted_while_it_is_measured(context: None,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with dpg.window(), dpg.node_editor(), dpg.node(tag="node:inbox"), dpg.node_attribute(
            tag="out:inbox.take", attribute_type=dpg.mvNode_Attr_Output):
        dpg.add_text("take")
    node, attr = dpg.get_alias_id("node:inbox"), dpg.get_alias_id("out:inbox.take")
    hints = LinkHints(cast(PatchView, Pins({attr: PortRef("inbox", "take")})))
    listed = dpg.get_item_children

    def deleted_meanwhile(item: int | str, slot: int = -1) -> object:
        children = listed(item, slot)
        if item == attr and dpg.does_item_exist(node):
            dpg.delete_item(node)  # Del on the callback thread, after the attribute's listing
        return children

    monkeypatch.setattr(dpg, "get_item_children", deleted_meanwhile)
    assert hints.output_at((0.0, 0.0)) is None
    assert not dpg.does_item_exist(node)
