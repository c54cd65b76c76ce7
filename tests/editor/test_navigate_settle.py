"""The fit of a patch just opened lets a real error through (no viewport: the editor's widgets built, driven by
hand); its waiting for every node to be drawn is the display tests' (tests/editor/test_navigate.py)."""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp


def test_settle_lets_an_error_that_is_no_wait_for_a_frame_through(built_app: EditorApp) -> None:
    """A broad ``except Exception`` took any error for "not drawn yet": settle() returned None and tried again every
    frame, the error never said. Here the canvas's own part it measures from is gone: a bug, not a frame to wait for."""
    built_app.model.add_node("relay", (40, 40))
    dpg.delete_item(f"{built_app.patch_view.tag}:above")
    with pytest.raises(Exception, match="not found"):
        built_app.navigator.settle()
