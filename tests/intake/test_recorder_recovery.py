"""A phone's retry that arrives at a restart before the recorder has passed on its unfinished takes again is
answered as a duplicate of the stored take, and the take reaches the patch once (issue 16: "nothing lost, none
twice"; seen in the crash harness: two phones' ``take-41`` retried 0 and 20 ms after the recovery scan)."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder import recovery
from exsampling_patch.nodes.web_recorder import seen as seen_module
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, recorder_engine, sine, stored_not_done


@pytest.mark.parametrize("acknowledged", [False, True], ids=["killed-before-the-reply", "killed-after-the-reply"])
def test_a_retry_before_recovery_is_a_duplicate_of_the_stored_take(tmp_path: Path, recorder_state: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  acknowledged: bool) -> None:
    """Before: the server listened before the recovery thread had made the stored take's phone id known; the
    retry was stored under a new take id and both takes flowed on (two /label in Live for one recording)."""
    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    client_id = f"take-41-{secrets.token_hex(4)}"  # the state folder is shared with other tests
    # The disk as a kill -9 leaves it: the take stored, not done; its phone id written down or not yet.
    client, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 1", client_id)
    if not acknowledged:
        seen = recorder_state / seen_module.SEEN_FILE
        seen.write_text("".join(line + "\n" for line in seen.read_text().splitlines() if client_id not in line))

    # Recovery held: the stored take is not passed on (its audio not even read) until the retry is answered.
    release, reading = threading.Event(), threading.Event()
    read_take = recovery.read_take

    def held_read_take(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(20)
        return read_take(*args, **kwargs)

    monkeypatch.setattr(recovery, "read_take", held_read_take)
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        again = Client(engine, recorder_state / "recorder-cert.pem")
        again.phone_key = client.phone_key  # the same phone, retrying at once
        status, second = again.upload(wav, recorder="Phone 1", take_id=client_id)
        status_new, new = again.upload(wav, recorder="Phone 1", take_id=f"{client_id}-next")
        assert reading.wait(5)  # the retry came before the stored take was passed on again:
        assert first["take_id"] not in [take.take_id for _, take in probe_of(engine).received]
        release.set()
        assert engine.wait_idle(10, settle=0.3)
        received = [take for _, take in probe_of(engine).received]
        status_list, listing = again.request("GET", "/api/takes?recorder=Phone%201")
    finally:
        release.set()
        engine.stop()
    assert status == 200 and second.get("duplicate") is True and second["take_id"] == first["take_id"]
    assert status_new == 201 and new["take_id"] != first["take_id"]
    assert sorted(take.take_id for take in received) == sorted([first["take_id"], new["take_id"]])
    assert [take.meta.get("recovered") for take in received if take.take_id == first["take_id"]] == [True]
    assert len(list((tmp_path / "takes").glob("*.wav"))) == 2  # one file for the retried take
    assert status_list == 200 and [row["take_id"] for row in listing["takes"]] == [new["take_id"], first["take_id"]]


def test_the_console_tells_a_recovered_take_as_recovered_with_its_length(tmp_path: Path,
                                                                        recorder_state: Path) -> None:
    """After a kill -9, the takes passed on again at the start were told like new ones, and without their length
    ("take X from Phone 1: ... -> Bass"): the performer could not tell the last show's takes from this one's."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import Patch
    from exsampling_patch.runtime import TakeEnded

    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    _, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 1", f"take-{secrets.token_hex(4)}")
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events)
    try:
        assert probe_of(engine).wait_for(1)[0].take_id == first["take_id"]
        assert engine.wait_idle(settle=0.1)
    finally:
        engine.stop()
    assert any(isinstance(e, TakeEnded) for e in events)
    console = StageConsole(Patch(), err=io.StringIO())
    for event in events:
        console(event)
    assert isinstance(console.err, io.StringIO)
    short = str(first["take_id"]).rsplit("-", 1)[1]  # the console names a recorder's take by its id's last part
    told = [line for line in console.err.getvalue().splitlines() if f"take {short} from" in line]
    assert len(told) == 1, console.err.getvalue()
    line = told[0]
    assert f"take {short} from Phone 1, 0.40 s, recovered from the last run: " in line, line


def test_a_take_whose_storing_a_kill_cut_between_its_renames_is_passed_on(tmp_path: Path,
                                                                           recorder_state: Path) -> None:
    """The audio was renamed into place, its sidecar not yet (a kill between the two renames, or a power cut before
    the folder's flush): the take was never found again, its audio on disk without a sidecar."""
    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    _, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 1", f"take-{secrets.token_hex(4)}")
    sidecar = tmp_path / "takes" / f"{first['take_id']}.wav.json"
    sidecar.rename(sidecar.with_name(f".{sidecar.name}.part"))  # as store_upload leaves it between the renames
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        (take,) = probe_of(engine).wait_for(1)
        assert take.take_id == first["take_id"] and take.meta["recovered"] is True
        assert sidecar.exists()
    finally:
        engine.stop()


def test_a_kills_old_leftovers_are_removed_at_the_start_and_a_half_renamed_take_completed(
        tmp_path: Path, recorder_state: Path) -> None:
    """Kills mid-store left hidden temporary files in the take folder for ever. At the start they go once older than
    LEFTOVER_AGE; a young one (another process's store under way) stays; and an old half-renamed take (its audio in
    place, its sidecar under its temporary name) is still completed and passed on, not taken for a leftover."""
    import os

    from exsampling_patch.takes import LEFTOVER_AGE

    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    _, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 1", f"take-{secrets.token_hex(4)}")
    takes = tmp_path / "takes"
    sidecar = takes / f"{first['take_id']}.wav.json"
    sidecar.rename(sidecar.with_name(f".{sidecar.name}.part"))  # as store_upload leaves it between the renames
    (takes / ".take-gone.wav.part").write_bytes(wav)  # an upload cut off before its renames: its phone sends it again
    (takes / ".take-gone.wav.json.part").write_text("{}")
    (takes / ".take-now.wav.part").write_bytes(wav)  # being written right now
    for path in takes.iterdir():
        if path.name != ".take-now.wav.part":
            at = path.stat().st_mtime - LEFTOVER_AGE - 60
            os.utime(path, (at, at))
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        (take,) = probe_of(engine).wait_for(1)
        assert take.take_id == first["take_id"] and take.meta["recovered"] is True
    finally:
        engine.stop()
    assert sidecar.exists()
    assert sorted(path.name for path in takes.glob(".*.part")) == [".take-now.wav.part"]
