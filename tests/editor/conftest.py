"""Fixtures of the editor's tests."""

from __future__ import annotations

from collections.abc import Iterator

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry


@pytest.fixture(autouse=True)
def no_dialogs_left() -> Iterator[None]:
    """The file dialogs are the module's (one editor, one context, a process), each test's context its own: one left
    open by a test would be walked by the next test's collect(), its window's id naming an item of that context (ids
    start again with each context)."""
    yield
    dialogs.OPEN.clear()
    dialogs._finished.clear()
    dialogs._due.clear()


@pytest.fixture
def context() -> Iterator[None]:
    """A Dear PyGui context without a viewport, destroyed after the test."""
    dpg.create_context()
    try:
        yield
    finally:
        dpg.destroy_context()


@pytest.fixture
def built_app() -> Iterator[EditorApp]:
    """The editor's widgets built on an empty patch, in a context without a viewport (no frame is drawn)."""
    dpg.create_context()
    editor = EditorApp(EditorModel(Registry.default()))
    editor.build()
    try:
        yield editor
    finally:
        dpg.destroy_context()
