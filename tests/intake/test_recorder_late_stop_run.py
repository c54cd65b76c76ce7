"""The editor's Stop, an edit that moves both of a web recorder's folders, then Run: a take the stopped recorder
stores late (its stop gave up waiting on a slow disk) goes to the new run's recorder of its id.

Looked up in its run alone (:mod:`.late`), it reached none: the editor makes a new engine for each Run, with a new
context, and the take waited, not done, in a folder the patch no longer uses, while its phone was told it was
received. Now looked up in the same patch folder next. Real HTTPS recorder, two real engines as the editor makes."""

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
from .test_recorder_late_two_engines import _patch
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_take_stored_after_stop_reaches_the_next_runs_recorder(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    for copy in (state, moved):
        shutil.copytree(recorder_state, copy)  # its certificate made once for the tests
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    stopped, running = Engine(registry(), base_dir=tmp_path), Engine(registry(), base_dir=tmp_path)
    stopped.start(_patch(tmp_path, state, "takes"))
    answers: list[tuple[int, Any]] = []
    try:
        phone = Client(stopped, state / "recorder-cert.pem")
        look.hold()
        sending = threading.Thread(target=lambda: answers.append(phone.upload(TAKE, take_id="held")))
        sending.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            stopped.stop()  # the editor's Stop
            running.start(_patch(tmp_path, moved, "takes-moved"))  # both folders edited, then Run: a new engine
        finally:
            look.release()
            sending.join(30)
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        reached = probe_of(running).wait_for(1, 30)
    finally:
        running.stop()
        stopped.stop()
    first = answers[0][1]["take_id"]
    assert [take.take_id for take in reached] == [first], (reached, running.errors)
    assert first in TakeStore(tmp_path / "takes").processed_ids()  # written down as done where it is stored
