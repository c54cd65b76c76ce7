"""The editor's window sized to the screen it opens on.

Dear PyGui opens a viewport of the size asked for at (100, 100), whatever the screen: the editor's 1400x900 ran
off a 1280x1024 screen and off a 1366x768 laptop's, the inspector and the status bar out of reach. Dear PyGui
cannot tell the screen's size, so it is asked of the windowing system (X11 on Linux, user32 on Windows); where
neither answers, the window keeps the size asked for. Plain Python (no widgets).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

#: Room left round the window on the screen: a window manager's title bar and a panel or task bar.
MARGIN_X, MARGIN_Y = 40, 80


def screen_size() -> tuple[int, int] | None:
    """The screen's width and height in pixels, or None where it cannot be told."""
    try:
        if sys.platform == "win32":
            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
        x11 = x11_library() if os.environ.get("DISPLAY") else None
        if x11 is None:
            return None
        display = x11.XOpenDisplay(None)
        if not display:
            return None
        try:
            screen = x11.XDefaultScreen(display)
            return int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen))
        finally:
            x11.XCloseDisplay(display)
    except (OSError, AttributeError, ValueError):
        return None


def x11_library() -> ctypes.CDLL | None:
    """libX11 with the calls made of it here typed (a display's opening and closing, its screen's size), or None
    where it is not there. Shared with ``exsampling edit``, which asks first whether the display answers."""
    x11: ctypes.CDLL | None
    try:
        x11 = ctypes.CDLL("libX11.so.6")
    except OSError:
        name = ctypes.util.find_library("X11")  # elsewhere than Linux (XQuartz): by its platform's name
        try:
            x11 = ctypes.CDLL(name) if name else None
        except OSError:
            x11 = None
    if x11 is None:
        return None
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return x11


def window_box(wanted: tuple[int, int], screen: tuple[int, int] | None) -> tuple[int, int, int, int]:
    """Where the window goes and how large it is, ``(x, y, width, height)``: ``wanted``, made smaller to fit
    ``screen`` with room round it, centred on it (at Dear PyGui's (100, 100) when the screen is not known)."""
    if screen is None or screen[0] <= 0 or screen[1] <= 0:
        return 100, 100, wanted[0], wanted[1]
    width = max(1, min(wanted[0], screen[0] - MARGIN_X))
    height = max(1, min(wanted[1], screen[1] - MARGIN_Y))
    return (screen[0] - width) // 2, (screen[1] - height) // 2, width, height
