"""Text on a node of the patch view, kept within the node's width so that it does not cover its neighbour.

Thin Dear PyGui helpers beside ``patch_view.py``; the fitting itself is :func:`node_line.fit_text` (plain Python).
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.node_line import fit_text


def text_width(text: str) -> float:
    """How wide ``text`` is drawn, in pixels (before the first frame, when Dear PyGui cannot tell, 7 px a
    character: the default font's)."""
    size = dpg.get_text_size(text)
    return float(size[0]) if size and size[0] > 0 else 7.0 * len(text)


def add_fitted_text(text: str, width: float, tag: str, tip: str | None = None, **config: Any) -> str:
    """A line of text cut with an ellipsis to ``width`` pixels, its whole text (or ``tip``, for a text too long
    to show whole) in its tooltip when cut (a placeholder's parameter: a path or a list is often wider than the
    node). Returns what is shown."""
    shown = fit_text(text, width, text_width)
    dpg.add_text(shown, tag=tag, **config)
    if shown != text:
        with dpg.tooltip(tag, tag=f"{tag}:tip:box"):
            dpg.add_text(text if tip is None else tip, tag=f"{tag}:tip", wrap=360)
    return shown
