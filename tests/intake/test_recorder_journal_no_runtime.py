"""A web recorder without a runtime writes each take down as done once it has passed it on: a journal it cannot write
(a full disk, a read-only take folder: here the journal made immutable, as root, or read-only) is told per take,
naming it, and the take still reaches its end in this run: the phone is answered 201, recovery goes on.

Before, the journal's OSError escaped: an upload stored and passed on was answered 500 (its retry a duplicate), its
console line never told; the recovery thread ended on it, told as a bare "Operation not permitted" naming no take, and
the next take left from the last run was passed on only when the thread was run again, a second later."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.server import Upload
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore

from .conftest import Client, sine
from .test_recorder_state_file_locked import Lock, lock  # noqa: F401 - the fixture

WAV = encode_wav_pcm16(sine(330.0, 0.2), 48000)


def started(tmp_path: Path, context: NodeContext) -> WebRecorder:
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"),
                              "host": "127.0.0.1", "port": 0, "https": False, "print_qr": False}, context)
    rec.start()
    return rec


class Phone(Client):
    """A phone talking over plain HTTP to a recorder run without an engine."""

    def __init__(self, rec: WebRecorder) -> None:
        self.port, self.token, self.tls = rec.server.port, rec.server.token, None
        self.phone_key = secrets.token_urlsafe(16)


def told(take_id: str, journal: Path) -> str:
    return (f"take {take_id} ended but could not be written down as done (Operation not permitted: {journal}); it is "
            "passed on again at the next start")


def wait_errors(context: NodeContext, count: int) -> list[Any]:
    deadline = time.monotonic() + 15.0
    while len(context.errors) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return list(context.errors)


def test_an_upload_not_written_down_is_answered_stored_and_named(tmp_path: Path, lock: Lock) -> None:  # noqa: F811
    context = NodeContext(tmp_path)
    rec = started(tmp_path, context)
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    journal.touch()
    lock(journal)
    try:
        phone = Phone(rec)
        status, reply = phone.upload(WAV, take_id="journal-1")
        assert status == 201 and reply["status"] == "received", (status, reply)
        again, second = phone.upload(WAV, take_id="journal-1")
        assert again == 200 and second["duplicate"] and second["take_id"] == reply["take_id"], second
    finally:
        rec.stop()
    take_id = reply["take_id"]
    assert [take.take_id for _, take in context.emitted] == [take_id]
    assert context.errors == [told(take_id, journal)], context.errors
    assert any(status.get("take") == take_id for status in context.statuses), context.statuses  # its console line
    assert (tmp_path / "takes" / f"{take_id}.wav").is_file()


def test_recovery_names_each_take_not_written_down_and_goes_on(tmp_path: Path, lock: Lock) -> None:  # noqa: F811
    first = NodeContext(tmp_path)
    rec = started(tmp_path, first)
    rec.stop()
    for name in ("left-1", "left-2"):  # stored as the last run ended (after its stop): on disk, not done
        upload = Upload(WAV, {"x-recorder": "ana", "x-take-id": name}, time.monotonic(), "127.0.0.1")
        assert rec._accept(upload)["status"] == "received"
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    journal.touch()
    lock(journal)
    context = NodeContext(tmp_path)
    rec = started(tmp_path, context)
    try:
        errors = wait_errors(context, 2)
    finally:
        rec.stop()
    taken = [take.take_id for _, take in context.emitted]
    assert len(taken) == 2 and all(take.meta.get("recovered") for _, take in context.emitted), context.emitted
    assert errors == [told(take_id, journal) for take_id in taken], errors
    lock.undo()  # writable again: the next start passes both on again, as told, and writes them down
    context = NodeContext(tmp_path)
    rec = started(tmp_path, context)
    try:
        deadline = time.monotonic() + 15.0
        while len(TakeStore(tmp_path / "takes").processed_ids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        rec.stop()
    assert sorted(take.take_id for _, take in context.emitted) == sorted(taken)
    assert TakeStore(tmp_path / "takes").processed_ids() == set(taken)
