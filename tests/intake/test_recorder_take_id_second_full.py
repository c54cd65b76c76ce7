"""Every take id of a second taken: :func:`free_take_id` looked through the ends offered for ever (the web recorder's
random ends never run out), holding the lock every recorder and microphone of the process gives ids under. It now stops
after :data:`MAX_TRIES` with an error naming the take folder. The second is held still (its clock monkeypatched) and
the ends offered are one end over and over, as a second whose every random end is taken looks: no 65,536 files."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from exsampling_patch.nodes import microphone_ids
from exsampling_patch.nodes.microphone_ids import MAX_TRIES, free_take_id
from exsampling_patch.takes import TakeStore


@pytest.mark.timeout(60)
def test_a_second_with_every_id_taken_is_an_error_not_a_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(microphone_ids.time, "strftime", lambda _format: "20261206-172000")
    store = TakeStore(tmp_path / "takes")
    first = free_take_id(store, "full-second", itertools.repeat("0001abcd"))
    assert first == "full-second-20261206-172000-0001abcd"
    offered = itertools.repeat("0001abcd")
    with pytest.raises(ValueError) as raised:
        free_take_id(store, "full-second", offered)
    text = str(raised.value)
    assert str(store.folder) in text and f"the {MAX_TRIES} tried" in text, text
    # Taken, the end is given under another name, and to the same name in the next second
    assert free_take_id(store, "other", itertools.repeat("0001abcd")).startswith("other-")
    monkeypatch.setattr(microphone_ids.time, "strftime", lambda _format: "20261206-172001")
    assert free_take_id(store, "full-second", itertools.repeat("0001abcd")) == "full-second-20261206-172001-0001abcd"


def test_the_web_recorders_ends_offer_every_random_part_of_a_second_once() -> None:
    # Before, each try drew its random part afresh: with all but 16 of a second's 65,536 taken, the 10,000 tries then
    # allowed missed those 16 about one time in eleven, and the phone's take was refused (CI, test_recorder_take_id_
    # clash). Walked from a random first, each part comes once, so a free one is found however few are left.
    ends = list(microphone_ids.random_ends(7))
    assert len(ends) <= MAX_TRIES
    assert {end[:4] for end in ends} == {"0007"}
    assert sorted(int(end[4:], 16) for end in ends) == list(range(microphone_ids.RANDOM_PARTS))
