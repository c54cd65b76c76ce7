"""A slot's history in the performance view lists its takes as a performer knows them (label, time, file or phone),
newest first, and roll back loads the take chosen, of two that read alike too (history_scenario.py: a real sampler
and real mouse events on the test display)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from exsampling_patch.editor.slot_history import chosen_index, history_choices, history_text
from exsampling_patch.editor.slots import HistoryTake, SlotState, rollback_steps
from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.history_scenario")


@pytest.mark.display
def test_the_history_tells_each_take_in_words_newest_first(result: dict[str, Any]) -> None:
    # It listed the take ids ("take-20261206-210407-0001beef", ...): every entry alike to a performer.
    first, second, phone = result["take_ids"]
    assert result["items"] == ["hihat closed 21:05:12 from Ana",
                               f"kick drum 21:04:07 toms/kick.wav ({second})",
                               f"kick drum 21:04:07 toms/kick.wav ({first})"], result
    assert result["shown"] == "hihat closed 21:05:12 from Ana" and result["playing"] == phone, result


@pytest.mark.display
def test_roll_back_loads_the_take_chosen_not_its_twin(result: dict[str, Any]) -> None:
    first = result["take_ids"][0]
    assert result["chosen"].endswith(f"({first})"), result
    assert result["rolled_back_to"] == first and result["message"] == "", result
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
