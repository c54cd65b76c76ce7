"""A slot's history in the performance view lists its takes as a performer knows them (label, time, file or phone),
newest first, and roll back loads the take chosen, of two that read alike too (history_scenario.py: a real sampler
and real mouse events on the test display)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from exsampling_patch.editor.slot_history import (
    chosen_index,
    followed_choice,
    history_choices,
    history_text,
    shown_takes,
)
from exsampling_patch.editor.slots import HistoryTake, SlotState, rollback_steps
from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.history_scenario")


@pytest.mark.display
def test_the_history_tells_each_take_in_words_newest_first(result: dict[str, Any]) -> None:
    # It listed the take ids ("take-20261206-210407-0001beef", ...): every entry alike to a performer.
    first, second, _ = result["take_ids"]
    assert result["items_before"] == ["kick drum 21:04:07 toms/kick.wav", "hihat closed 21:05:12 from Ana"], result
    # The take loaded last, until the performer chooses: it stayed on the first loaded (the phone's) for good.
    assert result["shown_before"] == "kick drum 21:04:07 toms/kick.wav", result
    assert result["items"] == [f"kick drum 21:04:07 toms/kick.wav ({second})",
                               f"kick drum 21:04:07 toms/kick.wav ({first})", "hihat closed 21:05:12 from Ana"], result
    assert result["playing"] == second, result


@pytest.mark.display
def test_a_take_picked_stays_picked_as_a_look_alike_arrives_and_is_rolled_back_to(result: dict[str, Any]) -> None:
    # The combo kept "kick drum 21:04:07 toms/kick.wav", which no entry read any more once the look-alike came:
    # the tooltip and roll back said it gone from the history, and the slot went on playing the look-alike.
    first = result["take_ids"][0]
    assert result["picked"] == "kick drum 21:04:07 toms/kick.wav", result
    assert result["chosen"] == f"kick drum 21:04:07 toms/kick.wav ({first})", result
    assert result["tip"] == f"roll back to {result['chosen']}: press roll back", result
    assert result["rolled_back_to"] == first and result["message"] == "", result
    assert result["shown_after_rebuild"] == f"kick drum 21:04:07 toms/kick.wav ({first})", result
    assert not result["errors"], result


def test_takes_told_by_ids_only_read_as_before_and_a_take_twice_is_listed_once() -> None:
    slot = SlotState("BD", take_id="t1", history=["t0", "t1", "t0"], position=1)
    assert history_choices(slot) == [("t0", 2), ("t1", 1)]
    assert rollback_steps(slot, chosen_index(history_choices(slot), "t0")) == -1  # forward to its newer place
    assert chosen_index(history_choices(slot), "gone") is None


def test_an_entry_keeps_its_text_as_takes_come() -> None:
    """A choice made stays the same take's when a later take arrives: alike ones each carry their id."""
    now = time.mktime((2026, 12, 6, 22, 0, 0, 0, 0, -1))
    at = now - 3600
    kick = HistoryTake("k1", "kick.wav", "inbox", "kick_drum", at)
    assert history_text(kick, now) == "kick drum 21:00:00 kick.wav"
    assert history_text(HistoryTake("p1", "p1", "Ana", None, at - 86400), now) == "no label 5 Dec 21:00:00 from Ana"
    one = SlotState("BD", history=["k1"], history_takes=[kick], position=0)
    two = SlotState("BD", history=["k1", "k2"], history_takes=[kick, HistoryTake("k2", "kick.wav", "inbox",
                                                                                  "kick_drum", at)], position=1)
    chosen = history_choices(one, now)[0][0]
    assert chosen_index(history_choices(two, now), chosen) is None  # not taken for k2: said gone, not rolled to
    assert [text for text, _ in history_choices(two, now)] == ["kick drum 21:00:00 kick.wav (k2)",
                                                               "kick drum 21:00:00 kick.wav (k1)"]


def follow(chosen: str, before: SlotState, after: SlotState, then: float, now: float) -> int | None:
    """What the performance view does as the slot changes: the entry chosen (listed at ``then``) followed to the
    entries listed at ``now``, and the history index roll back goes to."""
    was, listed = history_choices(before, then), history_choices(after, now)
    assert chosen in dict(was), (chosen, was)
    return chosen_index(listed, followed_choice(chosen, shown_takes(before, was), shown_takes(after, listed)))


def test_a_choice_follows_its_take_when_a_look_alike_arrives() -> None:
    # It kept the text, which the older take no longer has ("... (k1)" now): roll back said it gone from the history.
    now = time.mktime((2026, 12, 6, 22, 0, 0, 0, 0, -1))
    kick = HistoryTake("k1", "kick.wav", "inbox", "kick_drum", now - 3600)
    hat = HistoryTake("p1", "p1", "Ana", "hihat_closed", now - 1800)
    before = SlotState("BD", history=["k1", "p1"], history_takes=[kick, hat], position=1)
    after = SlotState("BD", history=["k1", "p1", "k2"], position=2,
                      history_takes=[kick, hat, HistoryTake("k2", "kick.wav", "inbox", "kick_drum", now - 3600)])
    assert follow("kick drum 21:00:00 kick.wav", before, after, now, now) == 0
    assert follow("hihat closed 21:30:00 from Ana", before, after, now, now) == 1  # unchanged: kept


def test_a_choice_follows_its_take_past_midnight() -> None:
    # It kept "21:00:00", which the take no longer reads as ("6 Dec 21:00:00" the next day): said gone.
    evening, night = (time.mktime((2026, 12, 6, h, m, 0, 0, 0, -1)) for h, m in ((23, 59), (24, 1)))
    kick = HistoryTake("k1", "kick.wav", "inbox", "kick_drum", evening - 3540)
    slot = SlotState("BD", history=["k1", "k2"], position=1,
                     history_takes=[kick, HistoryTake("k2", "snare.wav", "inbox", "snare", evening)])
    assert [text for text, _ in history_choices(slot, night)] == ["snare 6 Dec 23:59:00 snare.wav",
                                                                  "kick drum 6 Dec 23:00:00 kick.wav"]
    assert follow("kick drum 23:00:00 kick.wav", slot, slot, evening, night) == 0


def test_a_choice_whose_take_is_gone_is_kept_to_be_said_gone() -> None:
    kick, snare = HistoryTake("k1", "kick.wav", label="kick_drum"), HistoryTake("k2", "snare.wav", label="snare")
    before = SlotState("BD", history=["k1", "k2"], history_takes=[kick, snare], position=1)
    after = SlotState("BD", history=["k2"], history_takes=[snare], position=0)
    assert followed_choice("kick drum kick.wav", shown_takes(before, history_choices(before)),
                           shown_takes(after, history_choices(after))) == "kick drum kick.wav"
    assert follow("kick drum kick.wav", before, after, 0.0, 0.0) is None
    assert followed_choice("typed", {}, {"snare snare.wav": "k2"}) == "typed" and followed_choice(None, {}, {}) is None
