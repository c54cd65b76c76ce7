"""A web recorder rebuilt by a live edit on another take folder and another state folder (both moved) while a phone's
upload to it is held past the stop's wait (``STOP_WAIT``): the take, stored after that stop in the old take folder, is
handed on to the recorder of its id.

The hand-on went to a recorder running on the old take folder, else to the one of its id on the old state folder
(:mod:`.late`): with both moved, to none. The take waited, not done, in a folder no run uses any more, and the phone's
retry was stored anew by the rebuilt recorder, as a new take. Now the recorder of its id takes it on: passed on once,
the retry its duplicate. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, rec_of, registry
from .rebuilt_rig import recorder_settings
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def _patch(tmp_path: Path, state: Path, takes: str) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, state, folder=str(tmp_path / takes))))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


def test_a_late_take_goes_to_the_recorder_of_its_id_on_both_folders_moved(
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
        finally:
            look.release()
            sending.join(30)
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        assert probe_of(engine).wait_for(1)
        phone.port = rec_of(engine).server.port
        retry = phone.upload(TAKE, take_id="held")  # its answer lost: the phone sends it again
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    first = answers[0][1]["take_id"]
    assert received == [first], received  # by the recorder of its id, once
    assert retry[0] == 200 and retry[1].get("duplicate") is True and retry[1]["take_id"] == first, retry
    old = TakeStore(tmp_path / "takes")
    assert first in old.processed_ids() and not old.unfinished()
    assert not TakeStore(tmp_path / "takes-moved").unfinished()
