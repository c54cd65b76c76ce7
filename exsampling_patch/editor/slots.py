"""Reading sampler slots for the performance view, through a small duck-typed protocol.

A node that holds sampler slots (the built-in ``sampler``) exposes ``slot_states() -> list[dict]``, one
dict a slot with ``name``, ``take`` (or ``take_id``), ``take_name`` (how to show the take: ``Take.name``),
``label``, ``pitch_hz``, ``gain``, ``locked``, ``muted``, ``history`` (take ids, oldest first), ``history_takes``
(the same takes as dicts with ``take_id``, ``name``, ``source``, ``label`` and ``recorded_at``: what the history
combo shows a performer, :mod:`.slot_history`), ``position`` (index in history of the loaded take) and
``overview`` (or ``waveform``: a 1-D array of peaks of the current take), and live meters: ``level`` (peak of the
last audio block), ``voices`` (sounding) and ``notes`` (note-ons that reached the slot so far, for a MIDI activity
lamp), and ``audition`` ((channel, note) of a MIDI note that plays the slot). A missing key reads as None; nodes
without ``slot_states`` are skipped.

Commands go through the runtime, never straight into the node from the GUI thread: when the node has a
``control`` input, the editor injects ControlValues ``<slot>.lock``, ``<slot>.gain`` and
``<slot>.rollback`` (steps back), so the node handles them on its worker like any other message. Auditioning a
slot sends a note on, and a note off stamped :data:`AUDITION_S` later, to the node's ``midi`` input, as a MIDI
source linked there would (a MIDI message's ``time`` within 10 s ahead is when the sampler plays it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import mido
import numpy as np

from exsampling_patch.messages import ControlValue
from exsampling_patch.runtime import Engine
from exsampling_patch.wording import end_in_words


@dataclass(frozen=True)
class HistoryTake:
    """A take of a slot's history, as the node reports it: its id, and what tells it to a performer."""

    take_id: str
    name: str | None = None  # Take.name: a folder's file, else the id
    source: str | None = None  # the phone (its recorder's name) or the node it came from
    label: str | None = None
    recorded_at: float | None = None  # Unix time


@dataclass
class SlotState:
    name: str
    take_id: str | None = None
    take_name: str | None = None  # how the take is shown (a folder's file): Take.name; the id where none is told
    label: str | None = None
    pitch_hz: float | None = None
    gain: float | None = None
    locked: bool = False
    muted: bool = False
    history: list[str] = field(default_factory=list)  # oldest first
    history_takes: list[HistoryTake] = field(default_factory=list)  # the same, told: as many, or none
    position: int = -1  # index in history of the loaded take
    waveform: np.ndarray | None = None
    level: float | None = None
    voices: int | None = None
    notes: int | None = None
    audition: tuple[int, int] | None = None  # (channel, note) that plays the slot


def _take_ids(history: Any) -> list[str]:
    ids = []
    for item in history or ():
        if isinstance(item, dict):
            item = item.get("take_id") or item.get("take")
        if item is not None:
            ids.append(str(item))
    return ids


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


def _history_takes(ids: list[str], told: Any) -> list[HistoryTake]:
    """The history's takes as told (``history_takes``), where they are the takes of ``ids`` in their order; else
    each by its id alone (a node that tells ids only)."""
    rows = list(told) if isinstance(told, list | tuple) else []
    if len(rows) != len(ids) or any(not isinstance(r, dict) or str(r.get("take_id")) != i
                                    for r, i in zip(rows, ids, strict=False)):
        return [HistoryTake(i) for i in ids]
    return [HistoryTake(i, _text(r.get("name")), _text(r.get("source")), _text(r.get("label")),
                        _number(r.get("recorded_at"), float)) for r, i in zip(rows, ids, strict=True)]


def _number(value: Any, kind: type) -> Any:
    return kind(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _pair(value: Any) -> tuple[int, int] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


def read_slots(node: Any) -> list[SlotState] | None:
    """The node's slots, or None if it does not expose them (or reading them failed)."""
    reader = getattr(node, "slot_states", None)
    if not callable(reader):
        return None
    try:
        rows = list(reader())
    except Exception:
        return None
    slots = []
    for row in rows:
        if not isinstance(row, dict) or "name" not in row:
            continue
        wave = row.get("overview", row.get("waveform"))
        history = _take_ids(row.get("history"))
        position = row.get("position")
        slots.append(SlotState(
            name=str(row["name"]),
            take_id=row.get("take", row.get("take_id")),
            take_name=row.get("take_name") or None,
            label=row.get("label") or None,
            pitch_hz=row.get("pitch_hz"),
            gain=row.get("gain"),
            locked=bool(row.get("locked", False)),
            muted=bool(row.get("muted", False)),
            history=history,
            history_takes=_history_takes(history, row.get("history_takes")),
            position=position if isinstance(position, int) else len(history) - 1,
            waveform=None if wave is None else np.asarray(wave, dtype=np.float32).reshape(-1),
            level=_number(row.get("level"), float),
            voices=_number(row.get("voices"), int),
            notes=_number(row.get("notes"), int),
            audition=_pair(row.get("audition")),
        ))
    return slots


EDITOR = "editor"
"""The source the editor's buttons inject messages as (a hop from it, for observers such as the show log)."""


def slot_control(engine: Engine | None, node_id: str, slot: str, what: str, value: float) -> str | None:
    """Send ``<slot>.<what> = value`` to the node's ``control`` input; returns why not, or None."""
    if engine is None or not engine.running:
        return "the patch is not running"
    try:
        # From the editor: published as a hop, so the show log keeps the performer's lock, gain or roll-back
        engine.inject(node_id, "control", ControlValue(f"{slot}.{what}", float(value)), source=EDITOR)
    except KeyError as error:
        return str(error.args[0])
    return None


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``...`` where cut (the slot rows' cells: long take ids
    and fates would push a row's controls out of the window; the full text goes in a tooltip)."""
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def short_id(take_id: str | None, width: int = 16) -> str:
    """A take id cut to ``width`` characters (see :func:`clip`), ``-`` for none."""
    return clip(take_id, width) if take_id else "-"


def take_text(slot: SlotState, width: int = 16) -> tuple[str, str]:
    """The slot row's take cell and its tooltip: the take by its name (a folder's file, as the stage console
    names it), cut to ``width``; the tooltip has the whole name and the id where they differ."""
    if not slot.take_id:
        return "-", "no take in this slot"
    name = slot.take_name or slot.take_id
    tip = f"take {name}" if name == slot.take_id else f"{name} (take {slot.take_id})"
    return short_id(name, width), tip


NO_OUTPUT = "no output has it"


def nowhere(not_loaded: str, loaded: tuple[str, ...] | None) -> str:
    """``; no output has it`` after what an output did not load of a take in its slot, where no output loaded it
    (``loaded`` empty; None is not known, not none), as the stage console says it: "not loaded into Live: ..." read
    alike where the sampler beside had the take and where no instrument had it."""
    return f"; {NO_OUTPUT}" if not_loaded and loaded == () else ""


def fate_word(fate: str | None, end: str | None, not_loaded: str = "", loaded: tuple[str, ...] | None = None) -> str:
    """What became of a take, for a slot row: ``loaded``, ``skipped: locked``, or the take's end as told;
    ``not_loaded``: what an output said it did not load of a take in its slot (said in place of "loaded"), ending
    ``; no output has it`` where ``loaded`` (the outputs that loaded it) is empty. A label in words, as the phone
    page says it ("rejected: not sure (mouth sounds 49%)")."""
    if fate == "slot":
        return not_loaded + nowhere(not_loaded, loaded) if not_loaded else "loaded"
    if fate == "skipped":
        return "skipped: locked" if end and "locked" in end else (end or "skipped")
    return end_in_words(end) if end else fate or "?"


def fate_cell(fate: str | None, end: str | None, not_loaded: str = "", loaded: tuple[str, ...] | None = None,
              width: int = 18) -> str:
    """:func:`fate_word` cut to ``width`` for a slot row's cell, but ``no output has it`` where no output loaded the
    take: cut, "not loaded into Live: ...; no output has it" read as "not loaded into..." whether another output had
    the take or none did (the tooltip has it all)."""
    if fate == "slot" and nowhere(not_loaded, loaded):
        return clip(NO_OUTPUT, width)
    return clip(fate_word(fate, end, not_loaded, loaded), width)


#: A slot row's fate cell: plain, and the phone page's amber and red (its #ffcc80 and #ff8a80, nodes/web_recorder).
FATE_PLAIN, FATE_AMBER, FATE_RED = (180, 180, 190), (255, 204, 128), (255, 138, 128)


def fate_colour(fate: str | None, not_loaded: str = "", loaded: tuple[str, ...] | None = None) -> tuple[int, int, int]:
    """The colour of a slot row's fate cell, as the phone page colours a take's state: red for a take not used
    (rejected, dropped, skipped, an error) or in its slot with no output having it, amber for one in its slot that
    an output did not load while another has it (or who has it is not known), else plain. Its words say as much
    (``no output has it``, ``not loaded into ...``, ``rejected: ...``) for one who cannot tell the colours apart."""
    if fate == "slot":
        if not not_loaded:
            return FATE_PLAIN
        return FATE_RED if nowhere(not_loaded, loaded) else FATE_AMBER
    return FATE_PLAIN if fate in (None, "done") else FATE_RED


def fate_text(take_id: str, fate: str | None, end: str | None, not_loaded: str = "",
              loaded: tuple[str, ...] | None = None) -> str:
    """The take's id and what became of it (:func:`fate_word`): ``dog-1 loaded``."""
    return f"{take_id} {fate_word(fate, end, not_loaded, loaded)}"


AUDITION_S = 0.6  # how long an audition note is held
AUDITION_VELOCITY = 100


def audition(engine: Engine | None, node_id: str, slot: SlotState, seconds: float = AUDITION_S) -> str | None:
    """Play ``slot`` once through the node's ``midi`` input (a note on now, its note off ``seconds`` later);
    returns why not, or None."""
    if engine is None or not engine.running:
        return "the patch is not running"
    if slot.audition is None:
        return f"no MIDI note plays slot {slot.name}"
    channel, note = slot.audition
    try:
        engine.inject(node_id, "midi", mido.Message("note_on", channel=channel, note=note,
                                                     velocity=AUDITION_VELOCITY), source=EDITOR)
        engine.inject(node_id, "midi", mido.Message("note_off", channel=channel, note=note,
                                                     time=time.perf_counter() + seconds), source=EDITOR)
    except KeyError as error:
        return str(error.args[0])
    return None


def rollback_steps(slot: SlotState, at: int | None) -> int:
    """Steps back from the loaded take to the take at index ``at`` of the slot's history (1 when none is chosen):
    by its place, not its id, which two entries may share."""
    if at is None or not 0 <= at < len(slot.history):
        return 1
    return slot.position - at
