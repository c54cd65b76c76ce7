"""The patch view's themes: pin colours by port type, and the looks of a node (an error, a placeholder of an
unknown type, one marked as selected).

``make_themes`` makes them once; ``patch_view.py`` binds them by name: a port type's name, ``"error"``,
``"placeholder"``, ``"chosen"``, ``"chosen_error"``.
"""

from __future__ import annotations

import dearpygui.dearpygui as dpg

# Pin colours by port type, so that what may link is visible before trying.
PORT_COLOURS = {
    "take": (90, 200, 120),
    "prediction": (230, 190, 70),
    "slot": (220, 110, 200),
    "midi": (90, 160, 240),
    "control": (200, 200, 200),
    "any": (150, 150, 150),
}


def make_themes() -> dict[str, int]:
    """The themes by name (a Dear PyGui context must exist)."""
    themes: dict[str, int] = {}
    for name, colour in PORT_COLOURS.items():
        with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):
            dpg.add_theme_color(dpg.mvNodeCol_Pin, colour, category=dpg.mvThemeCat_Nodes)
            dpg.add_theme_color(dpg.mvNodeCol_PinHovered, (255, 255, 255), category=dpg.mvThemeCat_Nodes)
        themes[name] = theme
    with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):
        dpg.add_theme_color(dpg.mvNodeCol_TitleBar, (150, 40, 35), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarHovered, (180, 50, 45), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarSelected, (200, 60, 50), category=dpg.mvThemeCat_Nodes)
    themes["error"] = theme
    with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):  # a node of an unknown type: a grey stand-in
        dpg.add_theme_color(dpg.mvNodeCol_TitleBar, (85, 85, 85), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarHovered, (105, 105, 105), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarSelected, (125, 125, 125), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_NodeBackground, (45, 45, 45), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_NodeOutline, (200, 200, 200), category=dpg.mvThemeCat_Nodes)
    themes["placeholder"] = theme
    with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):  # looks selected: pasted, duplicated
        dpg.add_theme_color(dpg.mvNodeCol_NodeOutline, (250, 250, 250), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBar, (66, 150, 250), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_NodeBackground, (75, 75, 75), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_style(dpg.mvNodeStyleVar_NodeBorderThickness, 2.0, category=dpg.mvThemeCat_Nodes)
    themes["chosen"] = theme
    with dpg.theme() as theme, dpg.theme_component(dpg.mvAll):  # marked as selected, and failing: its title red
        dpg.add_theme_color(dpg.mvNodeCol_NodeOutline, (250, 250, 250), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBar, (200, 60, 50), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarHovered, (210, 70, 60), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_TitleBarSelected, (210, 70, 60), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_color(dpg.mvNodeCol_NodeBackground, (75, 75, 75), category=dpg.mvThemeCat_Nodes)
        dpg.add_theme_style(dpg.mvNodeStyleVar_NodeBorderThickness, 2.0, category=dpg.mvThemeCat_Nodes)
    themes["chosen_error"] = theme
    return themes
