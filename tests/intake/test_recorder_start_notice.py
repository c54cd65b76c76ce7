"""The web recorder's start-up notices (its HTTPS certificate made anew; a saved pairing token too short, replaced)
are warnings, for the performer to act on: the phones accept the new certificate, or scan the new QR code. Each
ends at the first take received, with an empty warning (the classifier's convention for its backlog).

Before: the notice stayed in the node's status, so the editor's node line read "warning: the recorder's HTTPS
certificate ..." first, before every take, until the node stopped: a start-up notice, read as a problem of now."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder.tls import CERT_NAME, KEY_NAME, TOKEN_NAME
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, recorder_engine, sine


def node_line(engine: Engine) -> str:
    return live_text(NodeLive(status=dict(engine.status["rec"])))


def test_a_new_tokens_notice_ends_at_the_first_take_received(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / TOKEN_NAME).write_text("short\n", encoding="utf-8")
    engine = recorder_engine(tmp_path, https=False)
    try:
        assert node_line(engine).startswith(f"warning: the pairing token in {state / TOKEN_NAME} is 5 characters"), \
            engine.status["rec"]
        client = Client(engine, None)
        wav = encode_wav_pcm16(sine(), 48000)
        # A phone still paired with the old token is refused: nobody has scanned the new QR code yet.
        assert client.request("POST", "/api/takes", wav, {"X-Recorder": "Mika"}, token="short")[0] == 401
        assert node_line(engine).startswith("warning: the pairing token"), engine.status["rec"]
        assert client.upload(wav)[0] == 201
        assert engine.wait_idle()
        assert engine.status["rec"]["warning"] == ""
        assert node_line(engine) == "Mika: 1.0 s  |  takes 1", engine.status["rec"]
    finally:
        engine.stop()


def test_a_new_certificates_notice_ends_at_the_first_take_received(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    cert, key = state / CERT_NAME, state / KEY_NAME
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "10", "-subj", "/CN=old", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], capture_output=True, check=True)
    engine = recorder_engine(tmp_path)
    try:
        assert node_line(engine).startswith(f"warning: the recorder's HTTPS certificate {cert} expires on "), \
            engine.status["rec"]
        assert Client(engine, cert).upload(encode_wav_pcm16(sine(), 48000), recorder="Noa")[0] == 201
        assert engine.wait_idle()
        assert engine.status["rec"]["warning"] == ""
        assert node_line(engine) == "Noa: 1.0 s  |  takes 1", engine.status["rec"]
    finally:
        engine.stop()


def test_a_disk_warning_told_after_the_notice_is_not_ended_by_the_take(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The first take ended whatever warning stood: a disk filling up, told as that very take came in, was cleared
    with the notice, and the node line read as if the disk had room. The disk's free space is the seam the disk tests
    set (``disk_space.disk_free``: a real disk's moves as others write)."""
    free = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free[0])
    state = tmp_path / "state"
    state.mkdir()
    (state / TOKEN_NAME).write_text("short\n", encoding="utf-8")
    engine = recorder_engine(tmp_path, https=False, warn_free_mb=1000.0, min_free_mb=100.0)
    try:
        assert node_line(engine).startswith("warning: the pairing token"), engine.status["rec"]
        free[0] = 500 * 10**6
        assert Client(engine, None).upload(encode_wav_pcm16(sine(), 48000))[0] == 201
        assert engine.wait_idle()
        assert "disk is filling up: 500 MB free" in engine.status["rec"]["warning"], engine.status["rec"]
    finally:
        engine.stop()
