"""The status bar counts the patch's nodes and links in words that read: "1 nodes, 1 links" before."""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp


def test_the_status_bar_says_1_node_and_1_link(built_app: EditorApp) -> None:
    model = built_app.model
    built_app._update_status()
    assert "0 nodes, 0 links" in dpg.get_value("statusbar")
    source = model.add_node("osc_receive")
    built_app._update_status()
    assert "1 node, 0 links" in dpg.get_value("statusbar")
    sink = model.add_node("log")
    assert model.connect(f"{source}.control", f"{sink}.message") is not None
    built_app._update_status()
    assert "2 nodes, 1 link" in dpg.get_value("statusbar"), dpg.get_value("statusbar")
