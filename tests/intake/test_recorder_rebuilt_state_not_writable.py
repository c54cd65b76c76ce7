"""A live edit that changes the take folder of a web recorder whose state folder cannot be written, while a phone's
upload is held past the stop's wait (``STOP_WAIT``): as test_recorder_rebuilt_folder_retry, on a read-only state.

Each start on a state folder that cannot be written runs on a private temporary copy of it (:func:`.folders.
state_folder`), a new one at each start. The late take's hand-on and the table of the takes being stored (the 409)
were keyed by that copy, which the rebuilt recorder does not share: the phone's retry was stored anew (201) and passed
on, the late copy left unfinished in the old folder, passed on again at the next run there. And the rebuilt recorder's
table of takes seen was copied anew from the folder, without this run's takes: a phone's retry of a take stored before
the edit, its answer lost, was stored again. Both are now keyed by the folder named, and a rebuilt recorder goes on
with the state of the one it replaced. A real HTTPS recorder run by an engine, the edit made with engine.update;
the state folder locked as test_recorder_state_not_writable does (as root, a tmpfs remounted read-only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, probed_recorder, rec_of, recorder_engine, sine
from .rebuilt_rig import LateUpload, rebuilt
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


class LockedLateUpload(LateUpload):
    """:class:`LateUpload` on a state folder that cannot be written: its recorder starts with an error (said)."""

    def __init__(self, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path, self.state = tmp_path, state
        self.look = HeldLook()
        monkeypatch.setattr(disk_space, "disk_free", self.look)
        monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)
        self.engine = recorder_engine(tmp_path, state, check=False)
        self.answers = []
        self._phone = None
        self.phone = None


def test_a_take_stored_late_on_a_state_folder_that_cannot_be_written_is_one_take(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spare_temp: Path,
        lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    recorder_engine(tmp_path, state).stop()  # its certificate and pairing token made
    lock()
    with LockedLateUpload(tmp_path, state, monkeypatch) as late:
        assert rec_of(late.engine)._spare is not None, late.engine.errors  # on a copy of its state
        before = Client(late.engine, state / "recorder-cert.pem")
        first = before.upload(encode_wav_pcm16(sine(), 48000), take_id="before-edit")
        assert first[0] == 201, first
        assert probe_of(late.engine).wait_for(1)
        late.upload(TAKE, "held")
        edited = probed_recorder(tmp_path, state, folder=str(tmp_path / "other"))
        rebuilt(late.engine, edited)  # the old recorder's stop gives up on the upload: still being stored
        assert late.phone is not None
        retry = Client(late.engine, state / "recorder-cert.pem")
        retry.phone_key = late.phone.phone_key  # the same phone sends the same take to the rebuilt recorder
        early = retry.upload(TAKE, take_id="held")
        late.goes_on()  # the old recorder stores it in the old folder, after its stop
        assert late.answers and late.answers[0][0] == 201, late.answers
        stored = late.answers[0][1]["take_id"]
        again = retry.upload(TAKE, take_id="held")  # the page's next try
        before.port = retry.port
        lost = before.upload(encode_wav_pcm16(sine(), 48000), take_id="before-edit")  # its first answer lost
        assert probe_of(late.engine).wait_for(2)
        assert late.engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(late.engine).received]
    assert early[0] == 409, early  # not stored: being stored by the recorder the edit replaced
    assert again[0] == 200 and again[1].get("duplicate") is True and again[1]["take_id"] == stored, again
    assert lost[0] == 200 and lost[1].get("duplicate") is True and lost[1]["take_id"] == first[1]["take_id"], lost
    assert received == [first[1]["take_id"], stored]  # each passed on once, in this run
    assert not list((tmp_path / "other").glob("*.wav"))
    old = TakeStore(tmp_path / "takes")
    assert stored in old.processed_ids() and not old.unfinished()  # not passed on again at the next run there
    assert not list(spare_temp.iterdir())  # each copy of the state removed at its recorder's stop
