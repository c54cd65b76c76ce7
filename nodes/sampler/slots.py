"""The sampler's per-slot bookkeeping outside the audio thread: names, lock, history and roll-back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exsampling_patch.messages import Take

DEFAULT_SLOTS = ("HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus")


def slot_names(names: list[str] | str, count: int) -> list[str]:
    """``count`` slot names: those given (a list or comma-separated text), then ``Slot<N>`` for the rest; a number
    is its digits. Raises ValueError for an item that is no name (null, a list) and for two of one name."""
    items = names.split(",") if isinstance(names, str) else list(names)
    for number, item in enumerate(items, 1):
        if item is None or isinstance(item, bool | list | dict):  # `n.strip()` raised AttributeError at start
            raise ValueError(f"slot name {number} is {'null' if item is None else repr(item)}: a slot name is text")
    given = [str(n).strip() for n in items if str(n).strip()]
    out = given[:count]
    out += [f"Slot{i + 1}" for i in range(len(out), count)]
    if len({n.lower() for n in out}) != len(out):
        raise ValueError(f"slot names must be unique (case-insensitive): {', '.join(out)}")
    return out


def parse_range(text: str) -> tuple[int, int]:
    """``"36-47"`` or ``"60"`` as an inclusive MIDI note range."""
    lo, _, hi = str(text).partition("-")
    try:
        low, high = int(lo), int(hi or lo)
    except ValueError:  # was "invalid literal for int() with base 10: 'C2'"
        low, high = -1, -1
    if not (0 <= low <= high <= 127):
        raise ValueError(f"note range {text!r} must be LOW-HIGH within 0-127")
    return low, high


@dataclass
class SlotRecord:
    """What a slot holds, as the node sees it (the audio core holds the prepared copy)."""

    name: str
    history: list[tuple[Take, str | None]] = field(default_factory=list)  # oldest first
    position: int = -1  # index in history of the take loaded; -1: empty
    locked: bool = False

    @property
    def current(self) -> tuple[Take, str | None] | None:
        return self.history[self.position] if 0 <= self.position < len(self.history) else None

    def push(self, take: Take, label: str | None, keep: int) -> None:
        self.history.append((take, label))
        del self.history[: max(0, len(self.history) - keep)]
        self.position = len(self.history) - 1

    def step_back(self, steps: int) -> tuple[Take, str | None] | None:
        """Move ``steps`` back in history (negative: forward); the entry to load, or None if nothing moved."""
        if not self.history:
            return None
        target = min(len(self.history) - 1, max(0, self.position - steps))
        if target == self.position:
            return None
        self.position = target
        return self.history[target]


def channel_map(slots: int) -> np.ndarray:
    """MIDI channel N (1-based) plays slot N, as in the original device; any note."""
    table = np.full((16, 128), -1, np.int16)
    for channel in range(min(16, slots)):
        table[channel, :] = channel
    return table


def range_map(ranges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Notes ``lo..hi`` (inclusive, any channel) play slot ``s`` for each ``(s, lo, hi)``."""
    table = np.full((16, 128), -1, np.int16)
    for slot, lo, hi in ranges:
        table[:, max(0, lo): min(127, hi) + 1] = slot
    return table


def note_table(names: list[str], mapping: str, note_ranges: dict[str, Any]) -> np.ndarray:
    """(channel, note) -> slot index (-1: none) for ``mapping`` (channel or note_range); raises ValueError for a
    range the sampler refuses or a slot it does not have."""
    if mapping == "channel":
        return channel_map(len(names))
    index = {n.lower(): i for i, n in enumerate(names)}
    ranges = []
    for name, text in note_ranges.items():
        if str(name).lower() not in index:
            raise ValueError(f"note_ranges names slot {name!r}; slots are {', '.join(names)}")
        lo, hi = parse_range(text)
        ranges.append((index[str(name).lower()], lo, hi))
    return range_map(ranges)


def audition_notes(note_slot: np.ndarray, slots: int, root: int) -> list[tuple[int, int] | None]:
    """Per slot, a (channel, note) that plays it in ``note_slot`` (channel x note -> slot): the root note on the
    first channel that maps it there, else the slot's note nearest the root; None for a slot no note plays."""
    found: list[tuple[int, int] | None] = []
    for slot in range(slots):
        channels, notes = np.nonzero(note_slot == slot)
        if channels.size == 0:
            found.append(None)
            continue
        best = int(np.argmin(np.abs(notes.astype(int) - root) * 16 + channels))
        found.append((int(channels[best]), int(notes[best])))
    return found
