"""A web recorder rebuilt by a live edit on another take folder and another state folder (both moved) while a phone's
upload to it is held past the stop's wait (``STOP_WAIT``): the take, stored after that stop in the old take folder, is
handed on to the recorder of its id.

The hand-on went to a recorder running on the old take folder, else to the one of its id on the old state folder
(:mod:`.late`): with both moved, to none. The take waited, not done, in a folder no run uses any more, and the phone's
retry was stored anew by the rebuilt recorder, as a new take. Now the recorder of its id takes it on: passed on once,
the retry its duplicate. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.takes import TakeStore

from .conftest import probe_of, rec_of
from .moved_rig import moved_folders
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_late_take_goes_to_the_recorder_of_its_id_on_both_folders_moved(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    answers: list[tuple[int, Any]] = []
    with moved_folders(tmp_path, recorder_state, monkeypatch, look) as rig:
        phone = rig.phone
        look.hold()
        sending = threading.Thread(target=lambda: answers.append(phone.upload(TAKE, take_id="held")))
        sending.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            rig.edit("takes-moved")
        finally:
            look.release()
            sending.join(30)
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        assert probe_of(rig.engine).wait_for(1)
        phone.port = rec_of(rig.engine).server.port
        retry = phone.upload(TAKE, take_id="held")  # its answer lost: the phone sends it again
        received = rig.received()
    first = answers[0][1]["take_id"]
    assert received == [first], received  # by the recorder of its id, once
    assert retry[0] == 200 and retry[1].get("duplicate") is True and retry[1]["take_id"] == first, retry
    old = TakeStore(tmp_path / "takes")
    assert first in old.processed_ids() and not old.unfinished()
    assert not TakeStore(tmp_path / "takes-moved").unfinished()
