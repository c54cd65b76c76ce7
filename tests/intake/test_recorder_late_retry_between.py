"""The late take of a live edit that moved both folders, its phone's retry claimed by the rebuilt recorder just after
the late take was looked up (key unknown) and before it was made known: passed on once, the retry its duplicate.

Before, the look-up and the remembering were two steps: the retry claimed in between left the key empty, the late take
was queued without its reply remembered, and the retry was stored as a new take: both went through the patch. Real
HTTPS recorders run by an engine, the edit made with engine.update; the retry is sent from within the recorder's own
look-up (wrapped), each upload's look at the disk held until the test lets it go."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder import recovery

from .moved_rig import HeldLooks, moved_folders
from .test_recorder_stop_mid_upload import TAKE


def _claimed_or_answered(held: threading.Event, sending: threading.Thread) -> None:
    """Until the retry is held at its disk look (claimed, being stored) or answered (a duplicate)."""
    deadline = time.monotonic() + 30
    while not held.wait(0.01) and sending.is_alive():
        assert time.monotonic() < deadline, "the retry was neither stored nor answered"


def test_a_retry_claimed_between_the_late_takes_look_up_and_its_reply_is_its_duplicate(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = HeldLooks()
    late: list[tuple[int, Any]] = []
    retried: list[tuple[int, Any]] = []
    box: dict[str, Any] = {}
    looked_up = recovery.TakeRecovery._retried_since

    def retry_right_after(self: Any, audio: Path, data: dict[str, Any]) -> bool:
        answer = looked_up(self, audio, data)
        if not answer and "retry" in box and "again" not in box:  # the phone's retry arrives right now
            box["held"] = looks.hold()
            box["again"] = threading.Thread(target=lambda: retried.append(box["retry"].upload(TAKE, take_id="held")))
            box["again"].start()
            _claimed_or_answered(box["held"][0], box["again"])
        return answer

    monkeypatch.setattr(recovery.TakeRecovery, "_retried_since", retry_right_after)
    with moved_folders(tmp_path, recorder_state, monkeypatch, looks) as rig:
        first = looks.hold()
        sending = threading.Thread(target=lambda: late.append(rig.phone.upload(TAKE, take_id="held")))
        sending.start()
        try:
            assert first[0].wait(30)
            rig.edit("takes-moved")
            box["retry"] = rig.retry_phone()
        finally:
            first[1].set()
            sending.join(30)
            if "held" in box:
                box["held"][1].set()
                box["again"].join(30)
        assert "again" in box, "the late take was never looked up"
        received = rig.received()
    assert len(received) == 1, received
    (status, reply), = retried
    assert status == 200 and reply["duplicate"] and reply["take_id"] == received[0]
