"""Real X input events sent from the scenario's own process through the XTEST extension, as ``xdotool`` sends
them, without starting an ``xdotool`` process for each one (10-20 ms each, 350 of them in the keys scenario).

The X server treats them as it treats ``xdotool``'s (and a person's): it moves the pointer, presses the key or
button, and sends the events to the window under the pointer or with the focus, where Dear PyGui's own
handlers see them. After each one, ``XSync`` waits until the server has handled it (``xdotool`` does the same
round trip when it closes its display on exit), so the next frame's poll reads what the server sent.

Sent here: pointer moves, buttons (a click too), and keys whose key symbol sits on a key of the keyboard map,
unshifted or shifted (Shift is pressed around a shifted one, as ``xdotool`` does); :func:`send` says False for
the rest (``xdotool``'s ``type``, ``click --repeat``, a symbol on no key). A key held through a block goes
through XTEST alone (:func:`holding`): no ``xdotool`` process, which the X server may refuse, comes between its
press and its release. The keyboard focus can be taken from the window for a block (:func:`unfocused`).
"""

from __future__ import annotations

import ctypes
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

# xdotool's names for the modifiers (xdo_symbol_map in xdo.c)
_ALIASES = {"alt": "Alt_L", "ctrl": "Control_L", "control": "Control_L", "meta": "Meta_L", "super": "Super_L",
            "shift": "Shift_L"}


class _Display:
    """One connection to the X server (of ``DISPLAY``) for this process."""

    def __init__(self) -> None:
        x11, xtst = ctypes.CDLL("libX11.so.6"), ctypes.CDLL("libXtst.so.6")
        x11.XOpenDisplay.restype = ctypes.c_void_p
        x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x11.XStringToKeysym.restype = ctypes.c_ulong
        x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x11.XKeysymToKeycode.restype = ctypes.c_ubyte
        x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x11.XKeycodeToKeysym.restype = ctypes.c_ulong
        x11.XKeycodeToKeysym.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int]
        x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XQueryKeymap.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
        x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x11.XGetInputFocus.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_int)]
        x11.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                              ctypes.c_ulong]
        xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
        self.x11, self.xtst = x11, xtst
        for _ in range(10):  # a connection is now and then refused at once on this machine (EAGAIN)
            self.handle = x11.XOpenDisplay(None)
            if self.handle:
                break
            time.sleep(0.05)
        self.pid = os.getpid()
        # The keys down with a Shift pressed for them, let go with them; a Shift already down (holding) is
        # neither pressed again nor let go under the caller.
        self.shifted: set[int] = set()

    def key(self, name: str) -> tuple[int, bool] | None:
        """The key that types ``name`` (an xdotool key name) and whether Shift must be down for it, or None where
        no key types it unshifted or shifted (xdotool remaps a spare key for such a symbol)."""
        keysym = self.x11.XStringToKeysym(_ALIASES.get(name.lower(), name).encode())
        if not keysym:
            return None
        # XKeysymToKeycode looks through the unshifted level of every key before any shifted one.
        code = int(self.x11.XKeysymToKeycode(self.handle, keysym))
        for level in (0, 1):
            if code and self.x11.XKeycodeToKeysym(self.handle, code, level) == keysym:
                return code, level == 1
        return None

    def sync(self) -> None:
        self.x11.XSync(self.handle, 0)


_display: _Display | None = None


def _connection() -> _Display | None:
    global _display
    # A forked process opens its own; and one refused every try is tried again at the next event: kept, the refusal
    # sent every later event of the process through xdotool, which the server may refuse as well.
    if _display is None or _display.pid != os.getpid() or not _display.handle:
        _display = _Display()
    return _display if _display.handle else None


def send(*args: object) -> bool:
    """Send the event of the ``xdotool`` command ``args`` (``mousemove X Y``, ``mousedown``/``mouseup``
    BUTTON, ``keydown``/``keyup`` KEY) and wait until the server has handled it; False, sending nothing, for
    any other command."""
    words = [str(arg) for arg in args]
    command, rest = words[0], words[1:]
    display = _connection()
    if display is None:
        return False
    if command == "mousemove" and len(rest) == 2 and all(word.lstrip("-").isdigit() for word in rest):
        display.xtst.XTestFakeMotionEvent(display.handle, -1, int(rest[0]), int(rest[1]), 0)
    elif command in ("mousedown", "mouseup") and len(rest) == 1 and rest[0].isdigit():
        display.xtst.XTestFakeButtonEvent(display.handle, int(rest[0]), int(command == "mousedown"), 0)
    elif command == "click" and len(rest) == 1 and rest[0].isdigit():  # a press and its release, as xdotool's
        display.xtst.XTestFakeButtonEvent(display.handle, int(rest[0]), 1, 0)
        display.sync()
        display.xtst.XTestFakeButtonEvent(display.handle, int(rest[0]), 0, 0)
    elif command in ("keydown", "keyup") and len(rest) == 1 and (key := display.key(rest[0])) is not None:
        _key_event(display, *key, down=command == "keydown")
    else:
        return False
    display.sync()
    return True


def _key_event(display: _Display, code: int, shifted: bool, down: bool) -> None:
    shift = display.key("Shift_L")
    if down and shifted and shift is not None and not _pressed(display, shift[0]):
        display.xtst.XTestFakeKeyEvent(display.handle, shift[0], 1, 0)
        display.shifted.add(code)
    display.xtst.XTestFakeKeyEvent(display.handle, code, int(down), 0)
    if not down and code in display.shifted and shift is not None:
        display.shifted.discard(code)
        display.xtst.XTestFakeKeyEvent(display.handle, shift[0], 0, 0)


def _pressed(display: _Display, code: int) -> bool:
    keys = ctypes.create_string_buffer(32)
    display.x11.XQueryKeymap(display.handle, keys)
    return bool(keys.raw[code // 8] & (1 << (code % 8)))


@contextmanager
def holding(key: str) -> Iterator[None]:
    """``key`` (an xdotool key name) held down through the block and let go after it, also when the block raises:
    a key left down stays down on the test display for every scenario after this one."""
    if not send("keydown", key):
        raise RuntimeError(f"cannot press {key!r} through XTEST (no display, or no key types it)")
    try:
        yield
    finally:
        send("keyup", key)


def is_down(key: str) -> bool:
    """Whether the X server has the key that types ``key`` (an xdotool key name) down now."""
    display = _connection()
    found = display.key(key) if display is not None else None
    if display is None or found is None:
        raise RuntimeError(f"cannot find the key {key!r} on the display")
    return _pressed(display, found[0])


def display_size() -> tuple[int, int]:
    """The default screen's width and height in pixels, as ``xdotool getdisplaygeometry`` tells them."""
    display = _connection()
    if display is None:
        raise RuntimeError("cannot open the display")
    x11, screen = display.x11, display.x11.XDefaultScreen(display.handle)
    return int(x11.XDisplayWidth(display.handle, screen)), int(x11.XDisplayHeight(display.handle, screen))


@contextmanager
def unfocused() -> Iterator[None]:
    """No window has the keyboard focus through the block, as when another program's window has it (``xdotool
    windowfocus`` moves it the same way, XSetInputFocus): the window that had it is told it lost it, and key events
    go to no window. The focus goes back to that window after the block, also when the block raises."""
    display = _connection()
    if display is None:
        raise RuntimeError("cannot open the display")
    window, revert = ctypes.c_ulong(), ctypes.c_int()
    display.x11.XGetInputFocus(display.handle, ctypes.byref(window), ctypes.byref(revert))
    display.x11.XSetInputFocus(display.handle, 0, 1, 0)  # None, RevertToPointerRoot, CurrentTime
    display.sync()
    try:
        yield
    finally:
        display.x11.XSetInputFocus(display.handle, window.value, revert.value, 0)
        display.sync()
