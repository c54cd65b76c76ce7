"""A phone's upload held past the stop's wait (``STOP_WAIT``) of a recorder a live edit rebuilds on another take
folder, the state folder kept: the phone, given no answer, sends the take again to the rebuilt recorder.

Before, the old recorder stored its copy in the old folder after its stop, and no recorder ran on that folder to take
it on: it waited there, not done, for the next run on that folder, while the retry was stored anew in the new folder
and passed on now: one take, stored twice, through the patch twice. Now the late copy is handed on to the recorder
running on the same state folder (whose table of takes seen is the one the phone's take id is in), which passes it on
from where it is stored and writes it down as done there; the phone's retry is its duplicate. A real HTTPS recorder
run by an engine, the edit made with engine.update; the take folder's look at its free space held until the rebuilt
recorder runs (:class:`.rebuilt_rig.LateUpload`)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, probed_recorder
from .rebuilt_rig import LateUpload, rebuilt
from .test_recorder_stop_mid_upload import TAKE


def test_a_take_stored_in_the_old_folder_after_an_edit_changed_it_is_one_take(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client_id = f"moved-{secrets.token_hex(4)}"  # the state folder is shared with other tests
    with LateUpload(tmp_path, recorder_state, monkeypatch) as late:
        late.upload(TAKE, client_id)
        edited = probed_recorder(tmp_path, recorder_state, folder=str(tmp_path / "other"))
        rebuilt(late.engine, edited)  # the old recorder's stop gives up on the upload: still being stored
        assert late.phone is not None
        retry = Client(late.engine, recorder_state / "recorder-cert.pem")
        retry.phone_key = late.phone.phone_key  # the same phone sends the same take to the rebuilt recorder
        early = retry.upload(TAKE, take_id=client_id)
        late.goes_on()  # the old recorder stores it in the old folder, after its stop
        assert late.answers and late.answers[0][0] == 201, late.answers
        stored = late.answers[0][1]["take_id"]
        again = retry.upload(TAKE, take_id=client_id)  # the page's next try
        assert probe_of(late.engine).wait_for(1)
        assert late.engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(late.engine).received]
        listed = retry.request("GET", "/api/takes")[1]
    assert early[0] == 409, early  # not stored: being stored by the recorder the edit replaced
    assert again[0] == 200 and again[1].get("duplicate") is True and again[1]["take_id"] == stored, again
    assert received == [stored]  # passed on once, in this run
    assert [row["take_id"] for row in listed["takes"]] == [stored], listed  # on the phone's list
    assert [path.stem for path in (tmp_path / "takes").glob("*.wav")] == [stored]
    assert not list((tmp_path / "other").glob("*.wav"))
    old = TakeStore(tmp_path / "takes")
    assert stored in old.processed_ids() and not old.unfinished()  # not passed on again at the next run there
