"""A slot selected while the slots are listed again: a slot's name may be gone when it is highlighted; and a
pattern node deleted while the frame loop draws the pattern grids.

A click on a slot's name or a number key runs :meth:`PerformanceView.select` on Dear PyGui's callback thread,
while the frame loop (main thread) rebuilds the slot rows in ``refresh`` when the slots change; Delete, on the
callback thread, may remove a pattern node the frame loop has just listed.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp


def test_selecting_skips_a_slot_name_deleted_just_before_it_is_set(built_app: EditorApp,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    view = built_app.perf_view
    keys = [("sampler", "Bass"), ("sampler", "Pad"), ("sampler", "Kick")]
    for node_id, name in keys:
        dpg.add_selectable(label=name, tag=view._slot_tag(node_id, name, "name"), parent=f"{view.tag}:slots")
    view._slot_keys = keys
    gone = view._slot_tag("sampler", "Pad", "name")
    set_value = dpg.set_value

    def rebuilt_meanwhile(item: int | str, value: Any) -> None:
        if item == gone and dpg.does_item_exist(item):
            dpg.delete_item(item)  # the frame loop lists the slots again, after select() found this one
        set_value(item, value)

    monkeypatch.setattr(dpg, "set_value", rebuilt_meanwhile)
    view.select(("sampler", "Kick"))
    monkeypatch.undo()
    assert view.selected == ("sampler", "Kick")
    assert dpg.get_value(view._slot_tag("sampler", "Kick", "name")) is True
    assert dpg.get_value(view._slot_tag("sampler", "Bass", "name")) is False


def test_the_pattern_grids_skip_a_refresh_when_a_pattern_node_goes_meanwhile(built_app: EditorApp,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    model, panel = built_app.model, built_app.perf_view.patterns
    kept, gone = model.add_node("pattern", (40, 40)), model.add_node("pattern", (300, 40))
    listed = panel._pattern_nodes

    def deleted_meanwhile() -> list[str]:
        nodes = listed()
        if gone in model.patch.nodes:
            model.remove_nodes([gone])  # Del on the callback thread, after the frame loop listed the nodes
        return nodes

    monkeypatch.setattr(panel, "_pattern_nodes", deleted_meanwhile)
    panel.refresh()  # in the frame loop: a KeyError there would end the editor
    monkeypatch.undo()
    panel.refresh()  # the next one draws what is left
    assert dpg.does_item_exist(panel.clock_tag(kept)) and not dpg.does_item_exist(panel.clock_tag(gone))
