"""The fit of a patch just opened, and the view's area a node added is kept in, let a real error through (no
viewport: the editor's widgets built, driven by hand); the fit's waiting for every node to be drawn is the display
tests' (tests/editor/test_navigate.py)."""

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


def test_the_area_kept_in_view_lets_an_error_that_is_no_wait_for_a_frame_through(built_app: EditorApp) -> None:
    """drawn_area() caught any error as "no frame drawn yet": a node added went where it was wanted, the error never
    said. A node of the patch not drawn yet still reads as no area; the canvas's measured part gone is a bug."""
    built_app.model.add_node("relay", (40, 40))
    dpg.delete_item(f"{built_app.patch_view.tag}:above")
    with pytest.raises(Exception, match="not found"):
        built_app.navigator.drawn_area()
    dpg.delete_item("node:relay")
    assert built_app.navigator.drawn_area() is None
