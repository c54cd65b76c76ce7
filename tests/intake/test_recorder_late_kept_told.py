"""The late take of a live edit that moved both folders, waiting for its phone's retry that the rebuilt recorder is
storing, when the patch stops before the retry is stored: no recorder runs to take the late take on once the retry
is settled. It is kept on disk, not done, for the next start on its folder, and told so on the node, naming the take
and its folder.

Before, that was only logged (at info): the take, its phone told it was received, waited unsaid in the take folder
the edit had moved away from, which the patch may never use again. Real HTTPS recorders run by an engine, the edit
made with engine.update; each upload's look at the disk held until the test lets it go."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore
from tests.waiting import wait_for

from .moved_rig import HeldLooks, moved_folders, retry_held_as_late_one_stored
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_no_recorder_takes_on_again_is_told_kept(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = HeldLooks()
    with moved_folders(tmp_path, recorder_state, monkeypatch, looks) as rig:
        with retry_held_as_late_one_stored(rig, looks, TAKE) as answers:
            rig.engine.stop()  # the retry's recorder stopped, none after it: the retry stored after its stop
        late = answers.late
        assert late and late[0][0] == 201, late
        take_id = late[0][1]["take_id"]
        told = f"take {take_id}, stored late, is kept in {tmp_path / 'takes'}"
        assert wait_for(lambda: told in rig.engine.errors.get("rec", ""), 30), rig.engine.errors
        assert take_id in {data["take_id"] for _, data in TakeStore(tmp_path / "takes").unfinished()}  # kept on disk
        assert "next start on that folder" in rig.engine.errors["rec"]
