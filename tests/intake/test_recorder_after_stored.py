"""A failure after an upload is stored and its phone take id remembered, with the real HTTPS server: the recorder's
state file could not be written (its disk full: writes to /dev/full fail as a full disk's do), or the take could not be
passed on.

Before: the phone was answered 500 "the take could not be stored" though it was; its retry got the first reply as a
duplicate (200), and the take itself was passed on only at the next start. Now the phone is told the truth once (201,
received), the performer is told what failed, and the take is passed on in this run."""

from __future__ import annotations

import secrets
import ssl
import threading
import time
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, rec_of, sine
from .test_recorder_fates import engine_of


def test_a_state_file_that_cannot_be_written_is_told_and_the_take_goes_on(
        tmp_path: Path, recorder_state: Path) -> None:
    wav = encode_wav_pcm16(sine(), 48000)
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    seen = rec_of(engine)._seen
    real_file = seen._file
    # As seen.py opens its file (unbuffered bytes since 9fc4e0a): every write fails, No space left on device.
    seen._file = open("/dev/full", "ab", buffering=0)  # noqa: SIM115
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, first = client.upload(wav, take_id="full-state")
        assert status == 201 and first["status"] == "received", (status, first)
        received = probe_of(engine).wait_for(1)
        assert [take.take_id for take in received] == [first["take_id"]]  # in this run, not at the next start
        again, second = client.upload(wav, take_id="full-state")  # a retry all the same: the same take
        assert again == 200 and second["duplicate"] and second["take_id"] == first["take_id"], second
        assert engine.wait_idle(settle=0.2) and len(probe_of(engine).received) == 1
        error = engine.errors["rec"]
        assert "seen-takes.jsonl" in error and "No space left on device" in error, error
    finally:
        full, seen._file = seen._file, real_file
        full.close()
        engine.stop()
    takes = sorted(p.name for p in (tmp_path / "takes").glob("*.wav"))
    assert takes == [f"{first['take_id']}.wav"], takes
    assert TakeStore(tmp_path / "takes").processed_ids() == {first["take_id"]}


class FailsOnce(NodeContext):
    """A runtime whose first emit fails (as a plugin's runtime or a bug in ours might); those after it go through."""

    def __init__(self, base_dir: Path) -> None:
        super().__init__(base_dir)
        self.failed = False
        self.arrived = threading.Event()

    def emit(self, node_id: str, port: str, message: Any) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("the runtime refused the take")
        super().emit(node_id, port, message)
        self.arrived.set()


class Phone(Client):
    """A phone talking to a recorder run without an engine."""

    def __init__(self, rec: WebRecorder, cert: Path) -> None:
        self.port, self.token = rec.server.port, rec.server.token
        self.tls = ssl.create_default_context(cafile=str(cert))
        self.phone_key = secrets.token_urlsafe(16)


def test_a_take_whose_emit_fails_is_passed_on_again_in_this_run(tmp_path: Path, recorder_state: Path) -> None:
    context = FailsOnce(tmp_path)
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(recorder_state),
                              "host": "127.0.0.1", "port": 0, "print_qr": False}, context)
    rec.start()
    try:
        client = Phone(rec, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        status, first = client.upload(wav, take_id="emit-fails")
        assert status == 201 and first["status"] == "received", (status, first)
        assert context.arrived.wait(10), context.errors
        again, second = client.upload(wav, take_id="emit-fails")
        assert again == 200 and second["duplicate"] and second["take_id"] == first["take_id"], second
        time.sleep(0.2)
    finally:
        rec.stop()
    takes: list[Take] = [message for port, message in context.emitted if port == "take"]
    assert [take.take_id for take in takes] == [first["take_id"]]
    assert len(context.errors) == 1 and "the runtime refused the take" in str(context.errors[0]), context.errors
    assert f"{first['take_id']} is stored but could not be passed on" in str(context.errors[0])
    assert sorted(p.name for p in (tmp_path / "takes").glob("*.wav")) == [f"{first['take_id']}.wav"]
    assert TakeStore(tmp_path / "takes").processed_ids() == {first["take_id"]}
