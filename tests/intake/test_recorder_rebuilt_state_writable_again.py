"""A live edit that rebuilds a web recorder whose state folder could not be written at its start, but can be now (a
disk remounted read-write, its mode mended meanwhile).

The recorder ran on a private temporary copy of its state (:func:`.folders.state_folder`) and handed its files over to
the rebuilt one at its stop; those were used only where the folder still could not be written. Writable again, the
rebuilt recorder read the folder alone: the takes seen this run were dropped, and a phone's retry of one, its answer
lost, was stored again (201, passed on twice); the phone's list after a reload lost this run's takes. They are now
added to the folder's files. A real HTTPS recorder run by an engine, the edit made with engine.update; the state folder
locked as test_recorder_state_not_writable does (as root, a tmpfs remounted read-only, then read-write)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, probed_recorder, rec_of, recorder_engine, sine, unlock
from .rebuilt_rig import phone_listing, rebuilt


def test_takes_seen_on_a_copy_go_on_once_the_state_folder_can_be_written(
        tmp_path: Path, spare_temp: Path,
        lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    wav = encode_wav_pcm16(sine(), 48000)
    engine = recorder_engine(tmp_path, state)
    try:
        phone = Client(engine, state / "recorder-cert.pem")
        earlier = phone.upload(wav, take_id="last-run")
        assert earlier[0] == 201, earlier
        assert probe_of(engine).wait_for(1)
    finally:
        engine.stop()
    lock()
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        assert rec_of(engine)._spare is not None, engine.errors  # on a copy of its state
        assert "(a live edit keeps them): what this run adds to them is lost when the patch stops" \
            in engine.errors.get("rec", ""), engine.errors
        phone.port = rec_of(engine).server.port
        first = phone.upload(wav, take_id="this-run")
        assert first[0] == 201, first
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)  # its end written down for the phone's list
        unlock(state)
        edited = probed_recorder(tmp_path, state, folder=str(tmp_path / "other"))
        rebuilt(engine, edited)
        assert rec_of(engine)._spare is None, engine.errors  # on its own folder now
        phone.port = rec_of(engine).server.port
        lost = phone.upload(wav, take_id="this-run")  # its first answer lost: the phone sends it again
        status, listed, errors = phone_listing(engine, phone)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert lost[0] == 200 and lost[1].get("duplicate") is True and lost[1]["take_id"] == first[1]["take_id"], lost
    assert received == [first[1]["take_id"]], received  # passed on once
    assert status == 200, listed
    assert [row["take_id"] for row in listed["takes"]] == [first[1]["take_id"], earlier[1]["take_id"]], listed
    assert "rec" not in errors, errors
    engine = recorder_engine(tmp_path, state)  # the next start of the patch
    try:
        phone.port = rec_of(engine).server.port
        again = phone.upload(wav, take_id="this-run")
        status, listed, errors = phone_listing(engine, phone)
    finally:
        engine.stop()
    assert again[0] == 200 and again[1].get("duplicate") is True, again  # written down in the folder
    assert [row["take_id"] for row in listed["takes"]] == [first[1]["take_id"], earlier[1]["take_id"]], listed
    assert not list(spare_temp.iterdir())  # each copy of the state removed at its recorder's stop


def test_a_state_folder_made_since_keeps_the_runs_certificate_and_token(tmp_path: Path,
                                                                        spare_temp: Path) -> None:
    (tmp_path / "session").write_text("not a folder\n")  # where the state folder's parent should be
    state = tmp_path / "session" / "recorder"
    wav = encode_wav_pcm16(sine(), 48000)
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        spare = rec_of(engine)._spare
        assert spare is not None, engine.errors  # its certificate and token made for this run, in a temporary folder
        assert "(a live edit keeps them): at the next start of the patch phones accept a new certificate" \
            in engine.errors.get("rec", ""), engine.errors
        phone = Client(engine, spare / "recorder-cert.pem")  # the phone accepted this run's certificate
        first = phone.upload(wav, take_id="this-run")
        assert first[0] == 201, first
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        (tmp_path / "session").unlink()  # the state folder can be made now
        edited = probed_recorder(tmp_path, state, folder=str(tmp_path / "other"))
        rebuilt(engine, edited)
        assert rec_of(engine)._spare is None, engine.errors
        phone.port = rec_of(engine).server.port
        lost = phone.upload(wav, take_id="this-run")  # the same certificate, the same token
        status, listed, errors = phone_listing(engine, phone)
    finally:
        engine.stop()
    assert lost[0] == 200 and lost[1].get("duplicate") is True and lost[1]["take_id"] == first[1]["take_id"], lost
    assert status == 200 and [row["take_id"] for row in listed["takes"]] == [first[1]["take_id"]], listed
    assert "rec" not in errors, errors
    assert (state / "recorder-key.pem").stat().st_mode & 0o077 == 0  # the key kept private
    assert not list(state.glob(".*.part"))
