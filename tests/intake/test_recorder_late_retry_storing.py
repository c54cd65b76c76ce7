"""The late take of a live edit that moved both folders, handed on while its phone's retry is still being stored by
the rebuilt recorder: written down as done once the retry is stored, not passed on a second time.

Before, the retry's key had no reply yet (being stored), the late take was taken for one never sent again and queued:
one take through the patch twice. Real HTTPS recorders run by an engine, the edit made with engine.update; each
upload held at its look at the disk until the test lets it go."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore
from tests.waiting import wait_for

from .moved_rig import HeldLooks, moved_folders, retry_held_as_late_one_stored
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_handed_on_while_its_retry_is_stored_is_passed_on_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = HeldLooks()
    with moved_folders(tmp_path, recorder_state, monkeypatch, looks) as rig:
        with retry_held_as_late_one_stored(rig, looks, TAKE) as answers:
            pass  # the retry still being stored as the late one was handed on
        late, retried = answers.late, answers.retried
        assert late and late[0][0] == 201, late  # the held one, stored in the old take folder after the stop
        assert retried and retried[0][0] == 201, retried  # stored anew by the rebuilt recorder
        old = TakeStore(tmp_path / "takes")
        assert wait_for(lambda: late[0][1]["take_id"] in old.processed_ids(), 30), "the late take never written as done"
        received = rig.received()
    assert received == [retried[0][1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
