"""A phone's upload held past the stop's wait (``STOP_WAIT``) of a recorder a live edit rebuilds: the phone, given no
answer, sends the take again to the rebuilt recorder on the same state folder while the old one is still storing it.
Each recorder's table of phone take ids alone took the take for new: the retry was stored, then the old request stored
its copy after its stop and handed it on to the rebuilt recorder, and the take reached the patch twice. The retry is
answered 409 while the old recorder stores the take (the page sends it again), then as the stored take's duplicate.
A real HTTPS recorder run by an engine, the edit made with engine.update; the take folder's look at its free space held
until the rebuilt recorder runs (:class:`.rebuilt_rig.LateUpload`)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of
from .rebuilt_rig import LateUpload
from .test_recorder_stop_mid_upload import TAKE


def test_a_retry_to_the_rebuilt_recorder_of_a_take_still_being_stored_is_stored_once(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client_id = f"retried-{secrets.token_hex(4)}"  # the state folder is shared with other tests
    with LateUpload(tmp_path, recorder_state, monkeypatch) as late:
        late.upload(TAKE, client_id)
        late.rebuild()  # the old recorder's stop gives up on the upload: still being stored
        assert late.phone is not None
        retry = Client(late.engine, recorder_state / "recorder-cert.pem")
        retry.phone_key = late.phone.phone_key  # the same phone sends the same take to the rebuilt recorder
        early = retry.upload(TAKE, take_id=client_id)
        late.goes_on()  # the old recorder stores it, after its stop, and hands it on to the rebuilt one
        assert late.answers and late.answers[0][0] == 201, late.answers
        stored = late.answers[0][1]["take_id"]
        again = retry.upload(TAKE, take_id=client_id)  # the page's next try
        assert probe_of(late.engine).wait_for(1)
        assert late.engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(late.engine).received]
    assert early[0] == 409, early  # not stored: being stored by the recorder the edit replaced
    assert again[0] == 200 and again[1].get("duplicate") is True and again[1]["take_id"] == stored, again
    assert received == [stored]  # passed on once
    assert [path.stem for path in (tmp_path / "takes").glob("*.wav")] == [stored]
    store = TakeStore(tmp_path / "takes")
    assert stored in store.processed_ids() and not store.unfinished()
