"""The editor built in a Dear PyGui context without a viewport, and its widgets driven through their callbacks:
what the widget tests (and, with a viewport opened on top, the window scenarios) start from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry


@contextmanager
def open_editor(patch: Path, registry: Registry | None = None, workers: int = 2) -> Iterator[EditorApp]:
    """The editor on the patch file ``patch``, built in a fresh context; its runner stopped and the context
    destroyed afterwards."""
    dpg.create_context()
    model = EditorModel(registry or Registry.default())
    model.open(patch)
    editor = EditorApp(model, workers=workers)
    editor.build()
    try:
        yield editor
    finally:
        editor.runner.stop()
        dpg.destroy_context()


def patch_in(folder: Path, text: str) -> Path:
    """``text`` written as ``folder``/patches/p.yaml, with the folder its folder_source "inbox" reads
    (../takes/inbox) made; the file's path."""
    (folder / "patches").mkdir()
    (folder / "takes" / "inbox").mkdir(parents=True)
    patch = folder / "patches" / "p.yaml"
    patch.write_text(text)
    return patch


def call(tag: str | int, app_data: Any = None) -> None:
    """Do what a click or an edit on the widget ``tag`` does."""
    callback = dpg.get_item_callback(tag)
    assert callback is not None, f"{tag} has no callback"
    callback(tag, app_data, dpg.get_item_user_data(tag))
