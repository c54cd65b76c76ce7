"""The late take of a live edit that moved both folders, handed on while its phone's retry is still being stored by
the rebuilt recorder: written down as done once the retry is stored, not passed on a second time.

Before, the retry's key had no reply yet (being stored), the late take was taken for one never sent again and queued:
one take through the patch twice. Real HTTPS recorders run by an engine, the edit made with engine.update; each
upload held at its look at the disk until the test lets it go."""

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
from .test_recorder_stop_mid_upload import TAKE


class HeldLooks:
    """The take folder's free space, 10 GB; each :meth:`hold` holds the next look until its :meth:`release`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[threading.Event, threading.Event]] = []

    def __call__(self, folder: Path) -> int:
        with self._lock:
            held = self._pending.pop(0) if self._pending else None
        if held is not None:
            held[0].set()
            assert held[1].wait(30), "the test never released the disk's look"
        return 10_000 * 10**6

    def hold(self) -> tuple[threading.Event, threading.Event]:
        """(set once the look is held, set to let it go)."""
        held = (threading.Event(), threading.Event())
        with self._lock:
            self._pending.append(held)
        return held


def test_a_late_take_handed_on_while_its_retry_is_stored_is_passed_on_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    shutil.copytree(recorder_state, state)  # its certificate made once for the tests
    looks = HeldLooks()
    monkeypatch.setattr(disk_space, "disk_free", looks)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(_patch(tmp_path, state, "takes"))
    late: list[tuple[int, Any]] = []
    retried: list[tuple[int, Any]] = []
    try:
        phone = Client(engine, state / "recorder-cert.pem")
        shutil.copytree(state, moved)  # the state folder moved (its certificate and token with it)
        first = looks.hold()
        sending = threading.Thread(target=lambda: late.append(phone.upload(TAKE, take_id="held")))
        sending.start()
        second: tuple[threading.Event, threading.Event] | None = None
        again: threading.Thread | None = None
        try:
            assert first[0].wait(30), "the recorder never looked at its disk for the take"
            assert engine.update(_patch(tmp_path, moved, "takes-moved")) is not None
            retry = Client(engine, moved / "recorder-cert.pem")
            retry.phone_key = phone.phone_key  # the same phone, which gave up waiting and sends the take again
            second = looks.hold()
            again = threading.Thread(target=lambda: retried.append(retry.upload(TAKE, take_id="held")))
            again.start()
            assert second[0].wait(30), "the rebuilt recorder never looked at its disk for the retry"
            first[1].set()  # the late one is stored and handed on while the retry is still being stored
            sending.join(30)
        finally:
            first[1].set()
            if second is not None:
                second[1].set()
            sending.join(30)
            if again is not None:
                again.join(30)
        assert late and late[0][0] == 201, late  # the held one, stored in the old take folder after the stop
        assert retried and retried[0][0] == 201, retried  # stored anew by the rebuilt recorder
        old = TakeStore(tmp_path / "takes")
        assert _waited(lambda: late[0][1]["take_id"] in old.processed_ids()), "the late take never written as done"
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert received == [retried[0][1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
