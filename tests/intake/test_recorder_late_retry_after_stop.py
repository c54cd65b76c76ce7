"""The late take of a live edit that moved both folders, waiting for its phone's retry that the rebuilt recorder is
storing, when a second edit replaces that recorder before the retry is stored: the retry, stored after that stop, is
handed on to the recorder running now, and the late take, handed on again once the retry is settled, is written down
as done there: passed on once (the retry), nothing left not done.

Before, the late take was taken again by the stopped recorder itself, whose table still held the retry's key as being
stored (handed on, never remembered there): it waited again, for ever, and stayed not done in a folder no run uses
(passed on at a next run on it, if any: twice through the patch). Real HTTPS recorders run by an engine, the edits made
with engine.update; each upload's look at the disk held until the test lets it go."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .test_recorder_late_after_retry import _waited
from .test_recorder_late_both_folders import _patch
from .test_recorder_late_retry_storing import HeldLooks
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_waiting_for_a_retry_stored_after_its_recorders_stop_is_done_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    shutil.copytree(recorder_state, state)
    looks = HeldLooks()
    monkeypatch.setattr(disk_space, "disk_free", looks)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # each stop gives up on its held request soon
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(_patch(tmp_path, state, "takes"))
    late: list[tuple[int, Any]] = []
    retried: list[tuple[int, Any]] = []
    try:
        phone = Client(engine, state / "recorder-cert.pem")
        shutil.copytree(state, moved)
        first = looks.hold()
        second: tuple[threading.Event, threading.Event] | None = None
        sending = threading.Thread(target=lambda: late.append(phone.upload(TAKE, take_id="held")))
        again: threading.Thread | None = None
        sending.start()
        try:
            assert first[0].wait(30), "the recorder never looked at its disk for the take"
            assert engine.update(_patch(tmp_path, moved, "takes-moved")) is not None
            retry = Client(engine, moved / "recorder-cert.pem")
            retry.phone_key = phone.phone_key
            second = looks.hold()  # after the start: its own look at the disk is not held
            again = threading.Thread(target=lambda: retried.append(retry.upload(TAKE, take_id="held")))
            again.start()
            assert second[0].wait(30), "the rebuilt recorder never looked at its disk for the retry"
            first[1].set()  # the late take, handed on, waits for the retry being stored
            sending.join(30)
            assert engine.update(_patch(tmp_path, moved, "takes-3")) is not None  # the retry's recorder replaced
        finally:
            first[1].set()
            if second is not None:
                second[1].set()  # the retry stored after its recorder's stop
            sending.join(30)
            if again is not None:
                again.join(30)
        assert late and late[0][0] == 201, late
        assert retried and retried[0][0] == 201, retried
        old = TakeStore(tmp_path / "takes")
        assert _waited(lambda: late[0][1]["take_id"] in old.processed_ids()), "the late take never written as done"
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert received == [retried[0][1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
