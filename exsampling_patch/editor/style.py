"""The editor's look, chosen to keep a frame cheap on a software renderer.

Under Xvfb (and on machines without a GPU driver) Mesa's llvmpipe rasterises on the CPU, and a frame's cost
is mostly the pixels filled: every blended layer over the whole window costs a noticeable share of a frame
(`benchmarks/bench_editor.py` measures it; figures in docs/performance.md). Dear PyGui draws the main window's
background, then each child window's, then the node editor's canvas, all in the same colour: three to four full
layers before a node is drawn. Here the viewport's clear colour (almost free) paints the background once, and
the layers above are made transparent (a colour with alpha 0 is not drawn at all), so the window looks the same.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

#: Dear PyGui's default window background; the viewport is cleared to it instead of filling the main window.
BACKGROUND = (37, 37, 38, 255)
TRANSPARENT = (0, 0, 0, 0)
#: Bezier segments per pixel of link (imnodes' default is 0.1: a 2,000 px link had 200 segments, each
#: a few anti-aliased triangles, most of them off screen); 0.03 still looks smooth.
LINK_SEGMENTS_PER_PIXEL = 0.03
#: The canvas grid's spacing in pixels (imnodes' default 24 drew ~70 lines across the canvas).
GRID_SPACING = 48
#: A tooltip's margin around its text, in pixels (Dear ImGui's window padding).
TOOLTIP_PADDING = (8, 6)


def app_theme() -> int | str:
    """The theme bound to the whole app: transparent child windows and node canvas, lighter links; tooltips
    with a margin."""
    with dpg.theme() as theme:
        with dpg.theme_component(dpg.mvAll):
            dpg.add_theme_color(dpg.mvThemeCol_ChildBg, TRANSPARENT, category=dpg.mvThemeCat_Core)
            dpg.add_theme_color(dpg.mvNodeCol_GridBackground, TRANSPARENT, category=dpg.mvThemeCat_Nodes)
            dpg.add_theme_style(dpg.mvNodeStyleVar_LinkLineSegmentsPerLength, LINK_SEGMENTS_PER_PIXEL,
                                category=dpg.mvThemeCat_Nodes)
            dpg.add_theme_style(dpg.mvNodeStyleVar_GridSpacing, GRID_SPACING, category=dpg.mvThemeCat_Nodes)
        with dpg.theme_component(dpg.mvTooltip):
            # A tooltip on a node (a pin's help, a cut line's whole text) opens where imnodes has set the window
            # padding to nothing: its text touched the box's edges and its last characters ran past them.
            dpg.add_theme_style(dpg.mvStyleVar_WindowPadding, *TOOLTIP_PADDING, category=dpg.mvThemeCat_Core)
    return theme


def configure_rendering() -> None:
    """App-wide drawing settings: lines without anti-aliasing fringes.

    An anti-aliased line is drawn as a wider band with faded edges (a 3 px link fills 5 px or more); without
    it every link, outline and grid line fills fewer pixels: about a fifth of the frame at 200 nodes.
    Filled shapes keep their anti-aliasing (rounded node corners, pins).
    """
    dpg.configure_app(anti_aliased_lines=False)


def main_window_theme() -> int | str:
    """What a primary window would look like (square, no border), for the background-less main window."""
    with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):
        dpg.add_theme_style(dpg.mvStyleVar_WindowRounding, 0, category=dpg.mvThemeCat_Core)
        dpg.add_theme_style(dpg.mvStyleVar_WindowBorderSize, 0, category=dpg.mvThemeCat_Core)
    return theme
