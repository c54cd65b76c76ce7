"""The pattern node's step text: ``x..x ..x.`` as velocities, ``0 +3 . C5`` as notes, per slot; and the patterns
of a patch's pattern node as ``exsampling check`` holds them to the slots."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exsampling_patch.param_spec import CURLY_QUOTES

#: Velocity of each step character; digits 1-9 scale to 14..127, and ``.``, ``-``, ``_`` and ``0`` rest.
VELOCITIES = {"X": 127, "x": 110, "O": 100, "o": 80, ".": 0, "-": 0, "_": 0, "0": 0}
NOTE_NAMES = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_STRAIGHT = "straight quotes (' or \")"


@dataclass(frozen=True)
class SlotPattern:
    """One slot's steps: a velocity (0: rest) and a MIDI note each."""

    channel: int
    velocities: tuple[int, ...]
    notes: tuple[int, ...]


def parse_steps(text: str) -> tuple[int, ...]:
    """``"x..x ..x. X.o9"`` as velocities: X 127 (an accent), x 110 (a hit), O 100, o 80, digits 1-9 (9: 127),
    rest ``.``. Spaces and ``|`` only group steps."""
    steps = []
    for char in str(text):
        if char in " |\t\n":
            continue
        if char in VELOCITIES:
            steps.append(VELOCITIES[char])
        elif char.isdigit():
            steps.append(round(int(char) * 127 / 9))
        elif char in CURLY_QUOTES:  # told only as "step" and the quote, it did not say where it came from
            raise ValueError(f"step {char!r} in {text!r} is a curly quote, put by a text editor's smart quotes: "
                             f"YAML keeps it as a step: write the steps without curly quotes, or in {_STRAIGHT}")
        else:
            raise ValueError(f"step {char!r} in {text!r}: use x X o O (hits), 1-9 (velocity), . (rest)")
    if not steps:
        raise ValueError(f"pattern {text!r} has no steps")
    return tuple(steps)


def parse_note(token: str, root: int) -> int:
    """A step's note: ``.`` the root, ``+3`` / ``-12`` / ``7`` semitones from it, or a name (``C4``, ``Eb3``)."""
    token = token.strip()
    if token in (".", "_", "-", ""):
        return root
    match = re.fullmatch(r"([A-Ga-g])([#b]?)(-?\d)", token)
    if match:
        letter, accidental, octave = match.groups()
        note = 12 * (int(octave) + 1) + NOTE_NAMES[letter.lower()] + {"#": 1, "b": -1, "": 0}[accidental]
    else:
        try:
            note = root + int(token)
        except ValueError:
            if any(char in CURLY_QUOTES for char in token):
                raise ValueError(f"note {token!r} holds a curly quote, put by a text editor's smart quotes: YAML "
                                 f"keeps it in the notes: write them without curly quotes, or in {_STRAIGHT}") from None
            raise ValueError(f"note {token!r}: use a transposition (+3, -12), a name (C4, Eb3) or .") from None
    if not 0 <= note <= 127:
        raise ValueError(f"note {token!r} is {note}, outside MIDI's 0-127")
    return note


def parse_patterns(patterns: dict[str, Any], slots: list[str], root: int) -> dict[str, SlotPattern]:
    """The ``patterns`` parameter: slot name (or channel number) -> steps, or -> {steps, notes}."""
    lowered = [str(s).lower() for s in slots]
    parsed = {}
    for key, value in patterns.items():
        name = str(key)
        if name.lower() in lowered:
            channel = lowered.index(name.lower())
        elif name.isdigit() and 1 <= int(name) <= 16:
            channel = int(name) - 1
        else:
            raise ValueError(f"patterns names slot {name!r}; slots are {', '.join(map(str, slots))} (or 1-16)")
        spec = value if isinstance(value, dict) else {"steps": value}
        unknown = set(spec) - {"steps", "notes"}
        if unknown:
            raise ValueError(f"pattern {name!r}: unknown key {sorted(unknown)[0]!r}; use steps and notes")
        if spec.get("steps", "") is None:  # `HH:` with its steps not written: was "step 'N' in None"
            raise ValueError(f"pattern {name!r} has no steps: write them ('x... ..x.'), or leave the slot out")
        velocities = parse_steps(spec.get("steps", ""))
        tokens = str(spec.get("notes", "")).split()
        notes = tuple(parse_note(tokens[i % len(tokens)], root) if tokens else root for i in range(len(velocities)))
        parsed[name] = SlotPattern(channel % 16, velocities, notes)
    return parsed


def pattern_problems(params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """Each slot's pattern in a pattern node's ``params``, parsed as the node parses it: a step or note it cannot
    play, a slot it has not (``exsampling check``, by the slot's key)."""
    problems: dict[tuple[str, ...], str] = {}
    patterns, slots, root = params.get("patterns"), params.get("slots"), params.get("root_note")
    if isinstance(patterns, dict) and isinstance(slots, list) and isinstance(root, int):
        for key, value in patterns.items():
            try:
                parse_patterns({key: value}, slots, root)
            except ValueError as error:
                problems[("patterns", str(key))] = str(error)
    return problems


def pattern_parts(params: Mapping[str, Any]) -> dict[str, tuple[str, int, tuple[int, ...]]]:
    """Per slot of a pattern node's ``patterns``: the slot it means (its name in ``slots``), its channel and the notes
    of its hits; a pattern it cannot parse is left out (:func:`pattern_problems` tells of it)."""
    parts: dict[str, tuple[str, int, tuple[int, ...]]] = {}
    patterns, slots, root = params.get("patterns"), params.get("slots"), params.get("root_note")
    if isinstance(patterns, dict) and isinstance(slots, list) and isinstance(root, int):
        for key, value in patterns.items():
            try:
                parsed = parse_patterns({key: value}, slots, root)[str(key)]
            except ValueError:
                continue
            meant = str(slots[parsed.channel]) if parsed.channel < len(slots) else str(key)
            hits = sorted({n for n, v in zip(parsed.notes, parsed.velocities, strict=True) if v > 0})
            parts[str(key)] = (meant, parsed.channel, tuple(hits))
    return parts
