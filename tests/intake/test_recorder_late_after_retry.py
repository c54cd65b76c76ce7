"""A web recorder rebuilt by a live edit on another take folder and another state folder (both moved) while a phone's
upload to it is held past the stop's wait (``STOP_WAIT``): the phone, unanswered, sends the take again, which the
rebuilt recorder stores as a new take; the held one, stored late and handed on to the recorder of its id, is then
written down as done, not passed on a second time.

The guard against storing a take twice is keyed by the state folder: with both moved it joined no two recorders, and
the late take, though its phone's take id was seen already, was queued all the same: one take through the patch
twice. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .test_recorder_late_both_folders import _patch
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_late_take_whose_retry_was_stored_is_passed_on_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    shutil.copytree(recorder_state, state)  # its certificate made once for the tests
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(_patch(tmp_path, state, "takes"))
    answers: list[tuple[int, Any]] = []
    try:
        phone = Client(engine, state / "recorder-cert.pem")
        shutil.copytree(state, moved)  # the state folder moved (its certificate and token with it)
        look.hold()
        sending = threading.Thread(target=lambda: answers.append(phone.upload(TAKE, take_id="held")))
        sending.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            assert engine.update(_patch(tmp_path, moved, "takes-moved")) is not None
            retry = Client(engine, moved / "recorder-cert.pem")
            retry.phone_key = phone.phone_key  # the same phone, which gave up waiting and sends the take again
            again = retry.upload(TAKE, take_id="held")
        finally:
            look.release()
            sending.join(30)
        assert again[0] == 201, again  # stored anew by the rebuilt recorder: the first is still held
        assert answers and answers[0][0] == 201, answers  # the held one, stored in the old take folder after the stop
        old = TakeStore(tmp_path / "takes")
        first = answers[0][1]["take_id"]
        assert _waited(lambda: first in old.processed_ids()), "the late take was never written down as done"
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert received == [again[1]["take_id"]], received  # the retry only, once
    assert not old.unfinished()
    assert not TakeStore(tmp_path / "takes-moved").unfinished()


def _waited(done: Any, deadline: float = 30.0) -> bool:
    """Poll ``done`` until it holds or ``deadline`` seconds pass (a loaded machine's late store takes a while)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if done():
            return True
        time.sleep(0.02)
    return bool(done())
