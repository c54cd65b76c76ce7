"""A slot's history as the performance view's combo lists it: each take told as a performer knows it, newest first.

An entry reads "kick drum 21:04:07 from Ana": the take's label in words, when it was recorded and where it came
from (a folder's file by its name, a phone by its recorder's name), not its id (``take-20261206-210407-0003a3f2``,
every entry alike). Dear PyGui's combo gives back the text chosen, so :func:`history_choices` keeps the texts apart:
two takes that read alike (one file dropped twice, a label and second shared) each get their id after the text, and
an entry never changes its text to another take's as takes come and go. A take's own text does change (at local
midnight its time gains the date; a look-alike arriving gives it its id), so the combo's choice follows its take, not
its text (:func:`followed_choice`). Roll back goes by the entry's place in the history
(:func:`~exsampling_patch.editor.slots.rollback_steps`).
"""

from __future__ import annotations

import time

from exsampling_patch.editor.slots import HistoryTake, SlotState
from exsampling_patch.wording import label_words


def when_text(recorded_at: float | None, now: float | None = None) -> str:
    """When a take was recorded, local time: ``21:04:07`` that day, ``5 Dec 21:04:07`` before; "" unknown."""
    if recorded_at is None:
        return ""
    at = time.localtime(recorded_at)
    today = time.localtime(time.time() if now is None else now)
    clock = time.strftime("%H:%M:%S", at)
    return clock if at[:3] == today[:3] else f"{at.tm_mday} {time.strftime('%b', at)} {clock}"


def history_text(take: HistoryTake, now: float | None = None) -> str:
    """An entry of the history combo: "kick drum 21:04:07 from Ana", "snare 21:05:10 toms/snare.wav" (a folder's
    file), "no label ..." where none was told; the take's id alone where nothing else tells it (a node that reports
    ids only)."""
    when = when_text(take.recorded_at, now)
    named = take.name if take.name and take.name != take.take_id else None
    if not (take.label or when or named or take.source):
        return take.take_id
    where = named or (f"from {take.source}" if take.source else take.take_id)
    return " ".join(part for part in (label_words(take.label) if take.label else "no label", when, where) if part)


def history_choices(slot: SlotState, now: float | None = None) -> list[tuple[str, int]]:
    """(text, index in the slot's history) for the combo, newest first: a take in the history twice is listed once
    (its newer place); texts that two takes share end in each one's id."""
    takes = slot.history_takes or [HistoryTake(take_id) for take_id in slot.history]
    listed: dict[str, int] = {}  # take id -> its newest index
    for at in range(len(takes) - 1, -1, -1):
        listed.setdefault(takes[at].take_id, at)
    texts = {take_id: history_text(takes[at], now) for take_id, at in listed.items()}
    shared = {text for text in texts.values() if list(texts.values()).count(text) > 1}
    return [(f"{texts[take_id]} ({take_id})" if texts[take_id] in shared and texts[take_id] != take_id
             else texts[take_id], at) for take_id, at in listed.items()]


def chosen_index(choices: list[tuple[str, int]], text: str | None) -> int | None:
    """The history index of the entry ``text`` (None for no choice, or an entry no longer listed)."""
    return next((at for entry, at in choices if entry == text), None) if text else None


def shown_takes(slot: SlotState, choices: list[tuple[str, int]]) -> dict[str, str]:
    """The take each entry of ``choices`` (:func:`history_choices` of ``slot``) tells: text -> take id."""
    take_ids = [take.take_id for take in slot.history_takes] if slot.history_takes else slot.history
    return {text: take_ids[at] for text, at in choices}


def followed_choice(chosen: str | None, shown_before: dict[str, str], shown_now: dict[str, str]) -> str | None:
    """The entry that tells now the take that ``chosen`` told when it was listed (``shown_before``, then
    ``shown_now``: :func:`shown_takes`); ``chosen`` as it is where that take is gone, or it was never listed."""
    take_id = shown_before.get(chosen) if chosen else None
    if take_id is None:
        return chosen
    return next((text for text, shown_id in shown_now.items() if shown_id == take_id), chosen)
