"""Fixtures of the editor's tests."""

from __future__ import annotations

from collections.abc import Iterator

import dearpygui.dearpygui as dpg
import pytest


@pytest.fixture
def context() -> Iterator[None]:
    """A Dear PyGui context without a viewport, destroyed after the test."""
    dpg.create_context()
    try:
        yield
    finally:
        dpg.destroy_context()
