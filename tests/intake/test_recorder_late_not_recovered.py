"""A take stored after the stop of the web recorder a live edit rebuilt (the stop gave up waiting for its upload) is
handed on to the rebuilt one and passed on as the takes its start found are: told "recovered", the console said
", recovered from the last run" and run's summary counted it among those, though it was recorded seconds before in
this run. It is passed on as this run's. A real HTTPS recorder run by an engine, the edit made with engine.update; the
take folder's look at its free space held until the rebuilt recorder runs."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import NodeStatus, TakeEnded

from .conftest import Client, probe_of, rec_of, recorder_engine
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_take_handed_on_late_in_an_edit_is_not_told_recovered(tmp_path: Path, recorder_state: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="late-not-recovered")))
    phone.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        edited = Patch()
        edited.add_node(NodeSpec("rec", "web_recorder", {
            "folder": str(tmp_path / "takes"), "state_folder": str(recorder_state), "host": "127.0.0.1", "port": 0,
            "print_qr": False, "warn_free_mb": 1}))  # another setting: the recorder is rebuilt
        edited.add_node(NodeSpec("probe", "test_probe", {}))
        edited.connect("rec.take", "probe.take")
        old = rec_of(engine)
        assert engine.update(edited) is not None
        assert rec_of(engine) is not old
        look.release()  # the old recorder's request goes on: its take is stored after its stop
        phone.join(30)
        taken = probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
    finally:
        look.release()
        phone.join(30)
        engine.stop()
    assert answers and answers[0][0] == 201, answers
    take_id = answers[0][1]["take_id"]
    assert [take.take_id for take in taken] == [take_id]
    assert not taken[0].meta.get("recovered")
    assert not [e for e in events if isinstance(e, NodeStatus) and e.status.get("recovered")]
    err = io.StringIO()
    console = StageConsole(edited, err=err)
    for event in events:
        if isinstance(event, NodeStatus | TakeEnded):
            console(event)
    printed = err.getvalue()
    assert take_id in printed and "recovered" not in printed, printed
