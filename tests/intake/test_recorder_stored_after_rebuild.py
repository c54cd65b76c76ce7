"""An upload whose take is stored after its recorder's stop gave up waiting for it (``STOP_WAIT``), while a live edit
rebuilds that recorder: the rebuilt one had listed the take folder's unfinished takes before the take was there, and
the take stayed on disk, its phone told it was received, passed on only at the next start. It is handed on to the
rebuilt recorder, which passes it on now, once. A real HTTPS recorder run by an engine, the edit made with
engine.update; the take folder's look at its free space held until the rebuilt recorder runs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, rec_of, recorder_engine
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_take_stored_after_the_stop_of_a_rebuilt_recorder_is_passed_on_now(tmp_path: Path, recorder_state: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine = recorder_engine(tmp_path, recorder_state)
    old = rec_of(engine)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="late-in-edit")))
    phone.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        edited = Patch()
        edited.add_node(NodeSpec("rec", "web_recorder", {
            "folder": str(tmp_path / "takes"), "state_folder": str(recorder_state), "host": "127.0.0.1", "port": 0,
            "print_qr": False, "warn_free_mb": 1}))  # another setting: the recorder is rebuilt
        edited.add_node(NodeSpec("probe", "test_probe", {}))
        edited.connect("rec.take", "probe.take")
        assert engine.update(edited) is not None
        assert rec_of(engine) is not old
        look.release()  # the old recorder's request goes on: its take is stored after its stop
        phone.join(30)
        assert answers and answers[0][0] == 201, answers
        taken = probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        look.release()
        phone.join(30)
        engine.stop()
    assert [take.take_id for take in taken] == [answers[0][1]["take_id"]]
    assert len(received) == 1  # once
    store = TakeStore(tmp_path / "takes")
    assert answers[0][1]["take_id"] in store.processed_ids() and not store.unfinished()  # ended, written down as done
