"""A live edit that rebuilds a web recorder whose state folder could not be made at its start, and has since been
given files of its own: a drive mounted there, a folder restored, holding the certificate, key and pairing token of
earlier shows.

The recorder ran on a private temporary folder with a certificate and token of this run (:func:`.folders.state_folder`)
and the edit wrote those over the folder's own, untold: the phones paired at earlier shows had to accept a new
certificate and scan the QR code again. The folder's files are now left as they are; the rebuilt recorder goes on with
this run's in a temporary folder, said on the console, so the phones paired this run keep working, and at the next
start of the patch the phones of earlier shows find their certificate and token. A real HTTPS recorder run by an engine,
the edit made with engine.update; as root the folder is a tmpfs mounted after the start (a folder made there without
root). A token rotated at the start on a copy of a folder that could not be written then (not one of the folder's
own) is still written to it once it can be, with this run's takes seen."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, probed_recorder, rec_of, recorder_engine, sine, unlock
from .rebuilt_rig import phone_listing, rebuilt


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[list[Path]]:
    """The folders the test mounts a tmpfs on (as root), unmounted at its end."""
    folders: list[Path] = []
    try:
        yield folders
    finally:
        for folder in folders:
            subprocess.run(["umount", str(folder)], check=True)


def mount_there(folder: Path, mounted: list[Path]) -> None:
    """``folder`` made: as root a tmpfs mounted on it (a drive mounted after the start), else a plain folder."""
    folder.mkdir()
    if os.geteuid() != 0:
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root, mounting a tmpfs failed")
    mounted.append(folder)


def files_of(folder: Path) -> dict[str, bytes]:
    return {item.name: item.read_bytes() for item in folder.iterdir() if item.is_file()}


def test_a_state_folder_mounted_since_keeps_its_own_certificate_and_token(
        tmp_path: Path, spare_temp: Path, mounted: list[Path]) -> None:
    wav = encode_wav_pcm16(sine(), 48000)
    shows = tmp_path / "earlier-shows"  # the state of earlier shows, on the drive mounted later
    engine = recorder_engine(tmp_path, shows)
    try:
        old_phone = Client(engine, shows / "recorder-cert.pem")
        earlier = old_phone.upload(wav, take_id="earlier-show")
        assert earlier[0] == 201, earlier
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
    finally:
        engine.stop()
    (tmp_path / "session").write_text("not a folder\n")  # the drive not mounted yet: no state folder can be made
    state = tmp_path / "session" / "recorder"
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        spare = rec_of(engine)._spare
        assert spare is not None, engine.errors  # its certificate and token made for this run, in a temporary folder
        phone = Client(engine, spare / "recorder-cert.pem")  # the phone accepted this run's certificate
        first = phone.upload(wav, take_id="this-run")
        assert first[0] == 201, first
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        (tmp_path / "session").unlink()
        (tmp_path / "session").mkdir()
        mount_there(state, mounted)  # the drive mounted now, with the earlier shows' files
        for item in shows.iterdir():
            if item.is_file():
                shutil.copy2(item, state / item.name)
        own = files_of(state)
        edited = probed_recorder(tmp_path, state, folder=str(tmp_path / "other"))
        rebuilt(engine, edited)
        assert rec_of(engine)._spare is not None, engine.errors  # this run's certificate and token go on
        phone.port = rec_of(engine).server.port
        lost = phone.upload(wav, take_id="this-run")  # its first answer lost: the phone sends it again
        status, listed, errors = phone_listing(engine, phone)
        after = files_of(state)
    finally:
        engine.stop()
    assert lost[0] == 200 and lost[1].get("duplicate") is True and lost[1]["take_id"] == first[1]["take_id"], lost
    assert status == 200 and [row["take_id"] for row in listed["takes"]] == [first[1]["take_id"]], listed
    assert after == own  # the folder's certificate, key, token and lists as they were
    told = errors.get("rec", "")
    assert told.startswith(f"the state folder {state} has a certificate, key or pairing token of its own now"), told
    assert "the phones paired this run keep working; at the next start of the patch it uses the folder's" in told, told
    assert "Error" not in told and "OSError" not in told, told
    engine = recorder_engine(tmp_path, state)  # the next start of the patch: the earlier shows' phones work again
    try:
        assert rec_of(engine)._spare is None, engine.errors
        assert rec_of(engine).server.token == old_phone.token
        old_phone.port = rec_of(engine).server.port
        again = old_phone.upload(wav, take_id="earlier-show")
    finally:
        engine.stop()
    assert again[0] == 200 and again[1].get("duplicate") is True, again
    assert files_of(state)["recorder-cert.pem"] == own["recorder-cert.pem"]
    assert not list(spare_temp.iterdir())  # each temporary state folder removed at its recorder's stop


def test_a_token_rotated_on_a_copy_is_written_once_the_folder_can_be(
        tmp_path: Path, spare_temp: Path,
        lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    wav = encode_wav_pcm16(sine(), 48000)
    recorder_engine(tmp_path, state).stop()  # its certificate and token made
    lock()
    engine = recorder_engine(tmp_path, state, check=False, rotate_token=True)
    try:
        assert rec_of(engine)._spare is not None, engine.errors  # on a copy of its state, its token rotated there
        phone = Client(engine, state / "recorder-cert.pem")
        first = phone.upload(wav, take_id="this-run")
        assert first[0] == 201, first
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        unlock(state)
        edited = probed_recorder(tmp_path, state, folder=str(tmp_path / "other"), rotate_token=True)
        rebuilt(engine, edited)
        assert rec_of(engine)._spare is None, engine.errors  # on its own folder now
        phone.token = rec_of(engine).server.token  # rotated again at the rebuilt recorder's start
        phone.port = rec_of(engine).server.port
        lost = phone.upload(wav, take_id="this-run")
        errors = dict(engine.errors)
    finally:
        engine.stop()
    assert lost[0] == 200 and lost[1].get("duplicate") is True, lost  # this run's takes seen written to the folder
    assert "rec" not in errors, errors
    assert not list(state.glob(".made-for-this-run*")), list(state.iterdir())
