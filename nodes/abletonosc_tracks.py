"""``ableton_osc``'s tracks: which of Live's tracks is a slot's (by its name, as the node itself names it), the colour
a label gives a track, and what the node does per take.
"""

from __future__ import annotations

import difflib
import re
import string
import zlib
from collections.abc import Sequence
from functools import lru_cache

from exsampling_patch.wording import counted


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

#: The fields a ``name_format`` may hold.
NAME_FIELDS = ("slot", "label")


def name_format_problem(name_format: str) -> str:
    """Why ``name_format`` cannot name each slot's track so that the node finds that track again by its name ("" for
    none): a field other than ``{slot}`` and ``{label}`` (``{Slot}`` raised at each take), one that cannot be filled
    in with a name, or no ``{slot}`` (with ``{label}``, HH's track renamed ``snare`` was taken for slot Snare's)."""
    example = "write the track name with {slot} and {label} where they go, e.g. '{slot} {label}'"
    formatter = string.Formatter()
    try:
        parsed = list(formatter.parse(name_format))
    except ValueError as error:  # an unpaired brace: Python's words say which
        return f"{name_format!r} is no name format ({error}): {example}; a brace of the name itself is written twice"
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        written = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if field not in NAME_FIELDS:
            if not field or field.isdigit():
                return f"'{written}' names no field: {example}"
            close = difflib.get_close_matches(re.split(r"[.\[]", field)[0].lower(), NAME_FIELDS, n=1)
            return (f"'{written}' is no field: the fields are {{slot}} and {{label}}, in lower case and nothing "
                    "after the name but a format spec" + (f"; did you mean '{{{close[0]}}}'?" if close else ""))
        if conversion not in (None, "r", "s", "a"):
            return f"'{written}': '!{conversion}' is no conversion (!r, !s or !a, or none); {example}"
        if "{" in (spec or ""):
            return f"'{written}': a field inside a format spec is not filled in here; {example}"
        try:
            formatter.format_field(formatter.convert_field("HH", conversion), spec or "")
        except ValueError:
            return (f"'{written}': ':{spec}' is no format spec for a name, which is text (a width and alignment, as "
                    f"in '{{{field}:>8}}', is one); {example}")
    if not any(field == "slot" for _, field, _, _ in parsed):
        return (f"{name_format!r} has no {{slot}}: a track named so could be any slot's (HH's track named 'snare' "
                "would get slot Snare's takes); put {slot} in it, e.g. '{slot} {label}'")
    return ""


@lru_cache(maxsize=256)
def _name_pattern(slot: str, name_format: str) -> re.Pattern[str] | None:
    """The lower-case names ``name_format`` gives ``slot``'s track, whatever the label; None for a format with a
    problem (:func:`name_format_problem`). The slot as the format writes it: ``{slot:>8}`` pads it."""
    if name_format_problem(name_format):
        return None
    formatter = string.Formatter()
    parts = []
    for text, field, spec, conversion in formatter.parse(name_format):
        parts.append(re.escape(text.lower()))
        if field == "slot":
            written = formatter.format_field(formatter.convert_field(slot, conversion), spec or "")
            parts.append(re.escape(written.lower()))
        elif field is not None:
            parts.append(".*")
    return re.compile("".join(parts), re.DOTALL)


def track_owner(name: str, slots: Sequence[str], name_format: str = "{slot} {label}") -> str | None:
    """The slot of ``slots`` whose track ``name`` (lower case) is: the slot it is named (case aside), else the one
    the 'name' action names it after (``name_format``, its label any: ``snare dog`` is Snare's); where several fit,
    the longest slot, whose name more of the name is: with ``{label} {slot}``, ``kick floor tom`` is Floor Tom's
    (label kick), not Tom's (label ``kick floor``); None for none."""
    exact = next((slot for slot in slots if slot.lower() == name), None)
    if exact is not None:
        return exact
    fitting = [slot for slot in slots if (pattern := _name_pattern(slot, name_format)) is not None
               and pattern.fullmatch(name)]
    return max(fitting, key=len, default=None)  # the first listed of the longest


def named_track(slot: str, lowered: list[str], name_format: str = "{slot} {label}",
                slots: Sequence[str] = ()) -> int | None:
    """The index of the track named ``slot`` among ``lowered`` (lower-case track names), else of the first that is
    ``slot``'s track by :func:`track_owner` among ``slots`` and ``slot``; None for none. A track named as another
    slot's is not this slot's, though its name fits: with ``{label} {slot}``, Floor Tom's ``floor tom`` is not Tom's
    (label floor)."""
    if slot.lower() in lowered:
        return lowered.index(slot.lower())
    among = [slot, *(other for other in slots if other.lower() != slot.lower())]
    return next((index for index, name in enumerate(lowered)
                 if (owner := track_owner(name, among, name_format)) is not None and owner.lower() == slot.lower()),
                None)


def slot_track(slot: str, names: list[str], slots: Sequence[str], name_format: str = "{slot} {label}") -> int:
    """The index of ``slot``'s track among Live's track ``names``: the track named after it (:func:`named_track`),
    else the slot's position in ``slots``; unless Live told its tracks and that position has none (a set with fewer
    tracks than slots: AbletonOSC dropped the take with a word in its log only), or its track is another slot's (its
    clip was fired). :class:`NoTrack` for those, and for a slot not in ``slots`` that no track is named after."""
    lowered = [name.lower() for name in names]
    found = named_track(slot, lowered, name_format, slots)
    if found is not None:
        return found
    listed = [other.lower() for other in slots]
    if slot.lower() not in listed:
        raise NoTrack(f"slot {slot!r} has no track: name a Live track '{slot}' or list it in 'slots'")
    index = listed.index(slot.lower())
    if not names:  # Live has not told its tracks (yet, or reply_port 0): slot N is track N
        return index
    if index >= len(names):
        raise NoTrack(f"slot {slot!r} has no track in Live: no track is named '{slot}', and the set has no "
                      f"track {index + 1} ({counted(len(names), 'track')}: {', '.join(names)}); name a track '{slot}'")
    owner = track_owner(lowered[index], slots, name_format)
    if owner is not None:  # another slot's: named_track found none of this one's
        raise NoTrack(f"slot {slot!r} has no track in Live: no track is named '{slot}', and track {index + 1} "
                      f"('{names[index]}') is the track of slot {owner!r}; name a track '{slot}'")
    return index
