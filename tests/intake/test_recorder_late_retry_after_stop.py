"""The late take of a live edit that moved both folders, waiting for its phone's retry that the rebuilt recorder is
storing, when a second edit replaces that recorder before the retry is stored: the retry, stored after that stop, is
handed on to the recorder running now, and the late take, handed on again once the retry is settled, is written down
as done there: passed on once (the retry), nothing left not done.

Before, the late take was taken again by the stopped recorder itself, whose table still held the retry's key as being
stored (handed on, never remembered there): it waited again, for ever, and stayed not done in a folder no run uses
(passed on at a next run on it, if any: twice through the patch). Real HTTPS recorders run by an engine, the edits made
with engine.update; each upload's look at the disk held until the test lets it go."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore
from tests.waiting import wait_for

from .moved_rig import HeldLooks, moved_folders, retry_held_as_late_one_stored
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_waiting_for_a_retry_stored_after_its_recorders_stop_is_done_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = HeldLooks()
    with moved_folders(tmp_path, recorder_state, monkeypatch, looks) as rig:
        with retry_held_as_late_one_stored(rig, looks, TAKE) as answers:
            rig.edit("takes-3")  # the retry's recorder replaced, the retry stored after its stop
        late, retried = answers.late, answers.retried
        assert late and late[0][0] == 201, late
        assert retried and retried[0][0] == 201, retried
        old = TakeStore(tmp_path / "takes")
        assert wait_for(lambda: late[0][1]["take_id"] in old.processed_ids(), 30), "the late take never written as done"
        received = rig.received()
    assert received == [retried[0][1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
