"""A stored phone take found unreadable at a restart: told (the node, the phone's list), kept aside in ``damaged/``
and told once, and the phone's retry of it is stored anew instead of answered "duplicate" (issue 16: "nothing
lost, every fate told")."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import MessageHop, TakeEnded
from exsampling_patch.takes import DAMAGED_FOLDER, PROCESSED_JOURNAL

from .conftest import Client, probe_of, rec_of, recorder_engine, sine, stored_not_done

GARBAGE = b"RIFF\x10\x00\x00\x00WAVEnot audio at all"


def wait_for_error(engine: Engine, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while "rec" not in engine.errors and time.monotonic() < deadline:
        time.sleep(0.02)
    return engine.errors.get("rec", "")


@pytest.mark.parametrize("retried", ["at once", "after another restart"])
def test_an_unreadable_recovered_take_is_told_once_and_its_retry_stored_anew(tmp_path: Path, recorder_state: Path,
                                                                             retried: str) -> None:
    """Before: the phone's id of the lost take stayed in the dedupe table, so its retry was answered "duplicate"
    and nothing replaced the take; and the take, never marked done, was told again at every start."""
    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    client_id = f"take-7-{secrets.token_hex(4)}"  # the state folder is shared with other tests
    takes = tmp_path / "takes"
    # The disk after a kill -9 and a bad sector: the take stored, acknowledged, not done, its audio unreadable.
    client, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 3", client_id)
    journal = takes / PROCESSED_JOURNAL
    stored = takes / f"{first['take_id']}.wav"
    stored.write_bytes(GARBAGE)

    def phone(engine: Engine) -> Client:
        again = Client(engine, recorder_state / "recorder-cert.pem")
        again.phone_key = client.phone_key  # the same phone
        return again

    engine = recorder_engine(tmp_path, recorder_state, check=False)
    try:
        error = wait_for_error(engine)
        assert "unreadable" in error and first["take_id"] in error
        status_list, listing = phone(engine).request("GET", "/api/takes?recorder=Phone%203")
        if retried == "at once":
            status, second = phone(engine).upload(wav, recorder="Phone 3", take_id=client_id)
            assert engine.wait_idle(10, settle=0.3)
    finally:
        engine.stop()
    assert status_list == 200
    row = next(row for row in listing["takes"] if row["take_id"] == first["take_id"])
    assert row["status"] == "error" and row["fate"] == "error" and "unreadable" in row["end"]

    engine = recorder_engine(tmp_path, recorder_state, check=False)  # told once: not found again, not told again
    try:
        if retried == "after another restart":  # the withdrawal was written down
            status, second = phone(engine).upload(wav, recorder="Phone 3", take_id=client_id)
        status_dup, dup = phone(engine).upload(wav, recorder="Phone 3", take_id=client_id)
        assert engine.wait_idle(10, settle=0.5)
        received = [take for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    assert status == 201 and not second.get("duplicate") and second["take_id"] != first["take_id"]
    assert "rec" not in engine.errors, engine.errors  # told once
    assert status_dup == 200 and dup["duplicate"] is True and dup["take_id"] == second["take_id"]
    assert first["take_id"] not in [take.take_id for take in received]
    # Kept aside, never deleted, and written down as done.
    assert f"moved to {DAMAGED_FOLDER}/{stored.name}" in error
    kept = takes / DAMAGED_FOLDER / stored.name
    assert kept.read_bytes() == GARBAGE and not stored.exists()
    assert (takes / DAMAGED_FOLDER / f"{stored.name}.json").exists()
    assert first["take_id"] in journal.read_text().split()
    assert (takes / f"{second['take_id']}.wav").exists()


@pytest.mark.parametrize("damage", ["not audio", "cut short"])
def test_an_unreadable_stored_take_is_lost_before_the_server_listens(tmp_path: Path, recorder_state: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     damage: str) -> None:
    """Before: the take's phone id stayed registered until the recovery thread got to its audio, so a retry sent in
    the first moments after the restart was answered "duplicate" (the phone stopped sending it), and then the take
    proved unreadable: the recording was lost. A WAV cut short was not even seen (libsndfile reads it as shorter)."""
    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    client_id = f"take-8-{secrets.token_hex(4)}"
    takes = tmp_path / "takes"
    client, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 5", client_id)
    stored = takes / f"{first['take_id']}.wav"
    stored.write_bytes(GARBAGE if damage == "not audio" else wav[: len(wav) // 2])
    # The recovery thread has not got to the take yet (thousands of takes before it, a slow disk).
    recovered = threading.Event()
    recover = WebRecorder._recover

    def held_back(self: WebRecorder) -> None:
        recovered.wait(10)
        recover(self)

    monkeypatch.setattr(WebRecorder, "_recover", held_back)
    engine = recorder_engine(tmp_path, recorder_state, check=False)
    try:
        again = Client(engine, recorder_state / "recorder-cert.pem")
        again.phone_key = client.phone_key  # the same phone, retrying at once
        status, second = again.upload(wav, recorder="Phone 5", take_id=client_id)
        recovered.set()
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
        row = next(row for row in rec_of(engine).takes("Phone 5") if row["take_id"] == first["take_id"])
    finally:
        recovered.set()
        engine.stop()
    assert status == 201 and not second.get("duplicate") and second["take_id"] != first["take_id"], second
    assert received == [second["take_id"]]
    error = engine.errors.get("rec", "")
    assert "unreadable" in error and first["take_id"] in error and engine.error_counts["rec"] == 1  # told once
    assert row["status"] == "error" and "unreadable" in row["end"]
    assert not stored.exists() and (takes / DAMAGED_FOLDER / stored.name).exists()
    if damage == "cut short":
        assert "cut short" in error


def test_an_unreadable_recovered_take_ends_as_a_runtime_fate_event(tmp_path: Path, recorder_state: Path) -> None:
    """Before: the take was never emitted, so no ``TakeEnded`` was published for it: the console, the show log and
    the editor never saw its end (only the node's error and the phone's list told it)."""
    wav = encode_wav_pcm16(sine(330.0, 0.4), 48000)
    client_id = f"take-9-{secrets.token_hex(4)}"
    _, first = stored_not_done(tmp_path, recorder_state, wav, "Phone 4", client_id)
    (tmp_path / "takes" / f"{first['take_id']}.wav").write_bytes(GARBAGE)
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, check=False, events=events)
    try:
        wait_for_error(engine)
        deadline = time.monotonic() + 10
        while not [e for e in list(events) if isinstance(e, TakeEnded)] and time.monotonic() < deadline:
            time.sleep(0.02)
        row = rec_of(engine).takes("Phone 4")[0]
    finally:
        engine.stop()
    (ended,) = [e for e in events if isinstance(e, TakeEnded)]  # once
    assert (ended.take_id, ended.recorder, ended.fate) == (first["take_id"], "Phone 4", "error")
    assert ended.node_id == ended.source == "rec" and ended.slots == ()
    assert ended.reason.startswith("error in rec: stored take unreadable")
    assert (row["take_id"], row["fate"], row["end"]) == (first["take_id"], "error", ended.reason)
    hops = [e for e in events if isinstance(e, MessageHop)]
    assert not hops  # it never flowed


def test_forget_withdraws_only_the_lost_take_and_holds_across_restarts(tmp_path: Path) -> None:
    from exsampling_patch.nodes.web_recorder.seen import SeenTakes

    lost, stored_anew = ("Phone 3", "p", "take-1"), ("Phone 3", "p", "take-2")
    seen = SeenTakes(tmp_path)
    seen.remember(lost, {"status": "received", "take_id": "T1"})
    seen.remember(stored_anew, {"status": "received", "take_id": "T2-retry"})
    assert not seen.forget(stored_anew, "T2")  # the phone's retry already stored anew: its entry is kept
    assert seen.forget(lost, "T1") and not seen.forget(lost, "T1")
    seen.close()
    again = SeenTakes(tmp_path)
    try:
        assert lost not in again and stored_anew in again
        assert again.claim(lost) == (True, None)
    finally:
        again.close()
