"""A web recorder rebuilt by a live edit on another take folder and another state folder (both moved) while a phone's
upload to it is held past the stop's wait (``STOP_WAIT``): the phone, unanswered, sends the take again, which the
rebuilt recorder stores as a new take; the held one, stored late and handed on to the recorder of its id, is then
written down as done, not passed on a second time. The phone's list has no row of it, but the retry's, ended.

The guard against storing a take twice is keyed by the state folder: with both moved it joined no two recorders, and
the late take, though its phone's take id was seen already, was queued all the same: one take through the patch
twice. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.takes import TakeStore
from tests.waiting import wait_for

from .conftest import Client
from .moved_rig import moved_folders, upload_held_at_look
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def rows_of(phone: Client, client_take_id: str) -> list[tuple[str, Any]]:
    """(take id, fate) of each row of ``phone``'s take list for its take ``client_take_id``."""
    status, listed = phone.request("GET", "/api/takes")
    assert status == 200, listed
    return [(row["take_id"], row.get("fate")) for row in listed["takes"] if row["client_take_id"] == client_take_id]


def test_a_late_take_whose_retry_was_stored_is_passed_on_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    with moved_folders(tmp_path, recorder_state, monkeypatch, look) as rig:
        with upload_held_at_look(rig.phone, look, TAKE) as answers:
            rig.edit("takes-moved")
            retry = rig.retry_phone()
            again = retry.upload(TAKE, take_id="held")
        assert again[0] == 201, again  # stored anew by the rebuilt recorder: the first is still held
        assert answers and answers[0][0] == 201, answers  # the held one, stored in the old take folder after the stop
        old = TakeStore(tmp_path / "takes")
        first = answers[0][1]["take_id"]
        assert wait_for(lambda: first in old.processed_ids(), 30), "the late take was never written down as done"
        received = rig.received()
        # The phone's list: the late copy has no row (none stays "received"); its phone take id has the retry's end,
        # which the page shows for it whichever of the two answers it got (takes.js rowOf: by the phone take id).
        assert wait_for(lambda: [fate for _, fate in rows_of(retry, "held")] == ["done"], 30), rows_of(retry, "held")
        assert rows_of(retry, "held") == [(again[1]["take_id"], "done")]
    assert received == [again[1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
    assert not TakeStore(tmp_path / "takes-moved").unfinished()
