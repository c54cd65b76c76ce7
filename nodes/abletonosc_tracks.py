"""``ableton_osc``'s tracks: which of Live's tracks is a slot's (by its name, as the node itself names it), the colour
a label gives a track, and what the node does per take.
"""

from __future__ import annotations

import re
import string
import zlib


def track_colour(label: str) -> int:
    """A stable RGB colour (0xRRGGBB) for a label, bright enough to read on Live's dark theme."""
    h = zlib.crc32(label.encode())
    r, g, b = (h >> 16) & 0xFF, (h >> 8) & 0xFF, h & 0xFF
    return ((r | 0x40) << 16) | ((g | 0x40) << 8) | (b | 0x40)


class NoTrack(KeyError):
    """A slot ``ableton_osc`` finds no track of in Live; told as written (a KeyError's text is its key's repr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


#: Seconds between ableton_osc's asks for the track names (before its silence is told; two once it has answered)
ASK_EVERY = 2.0

#: What ableton_osc does per take, as its ``actions`` list them.
OSC_ACTIONS = ("name", "color", "volume", "fire")


def named_track(slot: str, lowered: list[str], name_format: str = "{slot} {label}") -> int | None:
    """The index of the track named ``slot`` among ``lowered`` (lower-case names), else of the first one named as the
    'name' action names the slot's track (``name_format``, its label any: ``Snare dog``); None for none. The slot
    where the format puts it: with ``{label} {slot}``, HH's track renamed ``snare HH`` is HH's, not Snare's."""
    candidate = slot.lower()
    if candidate in lowered:
        return lowered.index(candidate)
    try:
        fields = list(string.Formatter().parse(name_format.lower()))
    except ValueError:  # a format the 'name' action cannot use either: its takes are told
        fields = []
    if not any(field == "slot" for _, field, _, _ in fields):  # the name says no slot: one starting with it
        return next((i for i, n in enumerate(lowered) if n.startswith(candidate + " ")), None)
    pattern = re.compile("".join(re.escape(text) + ("" if field is None else re.escape(candidate) if field == "slot"
                                                    else ".*") for text, field, _, _ in fields), re.DOTALL)
    return next((i for i, n in enumerate(lowered) if pattern.fullmatch(n)), None)
