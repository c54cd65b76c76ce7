"""An upload whose take is stored after the recorder's stop gave up waiting for it (``STOP_WAIT``), its phone's
retry sent to the recorder that runs next on the same state folder: the retry is the stored take's duplicate, and the
take reaches the patch once. The table of phone take ids is not written after the stop (its file is closed), and
need not be: the take is left stored, not done, and the next start lists it and remembers its phone take id from its
sidecar before its server listens. A real recorder run by an engine, over HTTPS; the take folder's look at its free
space held until the stop has returned."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, rec_of, recorder_engine
from .test_recorder_stop_mid_upload import TAKE


class HeldLook:
    """The take folder's free space, 10 GB; once :meth:`hold` is called, the next look waits (``looking`` set)
    until :meth:`release`."""

    def __init__(self) -> None:
        self.looking, self._released, self._held = threading.Event(), threading.Event(), False

    def __call__(self, folder: Path) -> int:
        if self._held:
            self._held = False
            self.looking.set()
            assert self._released.wait(30), "the test never released the disk's look"
        return 10_000 * 10**6

    def hold(self) -> None:
        self._held = True

    def release(self) -> None:
        self._released.set()


def test_a_take_stored_after_the_stops_wait_is_one_take_after_a_restart(tmp_path: Path, recorder_state: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    client_id = f"late-{secrets.token_hex(4)}"  # the state folder is shared with other tests
    engine = recorder_engine(tmp_path, recorder_state)
    rec = rec_of(engine)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id=client_id)))
    phone.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        engine.stop()  # returns with the request still being handled: its take not stored yet
        assert not list((tmp_path / "takes").glob("*.wav"))
    finally:
        look.release()
        phone.join(30)
    takes = TakeStore(tmp_path / "takes")
    deadline = time.monotonic() + 10.0
    while not list(takes.unfinished()) and time.monotonic() < deadline:
        time.sleep(0.02)
    (stored,) = [data["take_id"] for _, data in takes.unfinished()]  # stored after the stop: on disk, not done
    assert rec._seen._file.closed and client_id not in rec._seen.path.read_text()  # not written at the stop
    assert answers and answers[0][0] == 201, answers  # the answer the phone may lose (a Wi-Fi drop)

    again = recorder_engine(tmp_path, recorder_state, check=False)  # the restart, on the same state folder
    try:
        retry = Client(again, recorder_state / "recorder-cert.pem")
        retry.phone_key = client.phone_key  # its answer lost, the same phone sends the same take again
        status, reply = retry.upload(TAKE, take_id=client_id)
        assert probe_of(again).wait_for(1)
        assert again.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(again).received]
    finally:
        again.stop()
    assert status == 200 and reply.get("duplicate") is True and reply["take_id"] == stored, (status, reply)
    assert received == [stored]  # passed on once, by the restart's recovery
    assert len(list((tmp_path / "takes").glob("*.wav"))) == 1
