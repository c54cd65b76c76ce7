"""The web recorder over real HTTPS: uploads, pairing, bad input, concurrency, recovery, status back."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Prediction, Score, SlotAssignment, Take
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore, read_take

from .conftest import Client, probe_of, rec_of, recorder_engine, registry, sine


def wav_header(tag: int, channels: int, rate: int, bits: int, data: bytes) -> bytes:
    align = channels * bits // 8
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, tag, channels, rate,
                       rate * align, align, bits, b"data", len(data)) + data


def stored_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "takes").iterdir() if p.name != ".processed") \
        if (folder / "takes").exists() else []


def test_upload_is_stored_then_emitted_with_location(recorder, tmp_path: Path) -> None:
    engine, client = recorder
    signal = sine(440.0, 1.0)
    status, reply = client.upload(encode_wav_pcm16(signal, 48000), recorder="Mika", latitude="35.6586",
                                  longitude="139.7454", accuracy="12.5", take_id="abc123")
    assert status == 201, reply
    take = probe_of(engine).wait_for(1)[0]
    assert take.take_id == reply["take_id"] and take.source == "Mika"
    assert take.location is not None and take.location.latitude == pytest.approx(35.6586)
    assert take.location.accuracy_m == pytest.approx(12.5)
    assert take.meta["stored_at"] >= take.meta["received_at"]
    assert take.meta["has_location"] is True and take.meta["client_take_id"] == "abc123"
    np.testing.assert_allclose(take.mono(), signal, atol=1 / 16000)
    # On disk, with its sidecar, before it was emitted (the emitted take carries its path).
    assert take.path is not None and take.path.exists()
    sidecar = json.loads(take.path.with_name(take.path.name + ".json").read_text())
    assert sidecar["source"] == "Mika" and sidecar["location"]["accuracy_m"] == 12.5
    assert sidecar["sample_rate"] == 48000 and sidecar["duration"] == pytest.approx(1.0)
    again = read_take(take.path)
    np.testing.assert_allclose(again.mono(), signal, atol=1 / 16000)
    assert engine.wait_idle()
    assert take.take_id in TakeStore(tmp_path / "takes").processed_ids()  # done: it reached the probe
    status, listing = client.request("GET", "/api/takes?recorder=Mika")
    assert status == 200 and listing["takes"][0]["take_id"] == take.take_id
    assert listing["takes"][0]["status"] == "done" and listing["takes"][0]["fate"] == "done"
    assert engine.status["rec"]["takes"] == 1


def test_take_without_location_is_accepted_and_marked(recorder) -> None:
    engine, client = recorder
    status, reply = client.upload(encode_wav_pcm16(sine(), 48000), location_error="User denied Geolocation")
    assert status == 201 and reply["location"] is None
    take = probe_of(engine).wait_for(1)[0]
    assert take.location is None and take.meta["has_location"] is False
    assert take.meta["location_error"] == "User denied Geolocation"


def test_requests_without_the_token_are_refused(recorder, tmp_path: Path) -> None:
    engine, client = recorder
    wav = encode_wav_pcm16(sine(), 48000)
    hdrs = {"X-Recorder": "Eve"}
    assert client.request("POST", "/api/takes", wav, hdrs, token=None)[0] == 401
    assert client.request("POST", "/api/takes", wav, hdrs, token="x" * 24)[0] == 401
    assert client.request("GET", "/", token=None)[0] == 401
    assert client.request("GET", "/api/takes?recorder=Mika", token="wrong")[0] == 401
    assert rec_of(engine).server.refused == 4
    # The page's own code is public (no takes in it); the page itself is not.
    assert client.request("GET", "/static/app.js", token=None)[0] == 200
    status, page = client.request("GET", "/")
    assert status == 200 and b"REC" in page and b"maxSeconds" in page
    time.sleep(0.1)
    assert stored_files(tmp_path) == [] and probe_of(engine).received == []


def _bad_inputs() -> dict[str, tuple[bytes, dict[str, str], int, str]]:
    pcm = (sine(seconds=0.1) * 32767).astype("<i2").tobytes()
    good = encode_wav_pcm16(sine(seconds=0.1), 48000)
    return {
        "not audio": (b"hello, this is text and not a recording", {}, 415, "not a WAV file"),
        "webm": (b"\x1aE\xdf\xa3" + bytes(100), {}, 415, "WebM"),
        "multipart": (b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="take.wav"\r\nContent-Type: '
                      b"audio/wav\r\n\r\n" + good + b"\r\n--XyZ--\r\n", {}, 415,
                      "a multipart form, not a WAV file: send the WAV file itself as the request body"),
        "empty": (b"", {}, 422, "empty"),
        "zero frames": (wav_header(1, 1, 48000, 16, b""), {}, 422, "zero-length"),
        "truncated": (good[: len(good) // 2], {}, 422, "cut short"),
        "no data chunk": (good[:36], {}, 422, "no 'data' chunk"),
        "8-bit": (wav_header(1, 1, 48000, 8, bytes(4800)), {}, 415, "8-bit integer PCM"),
        "mu-law": (wav_header(7, 1, 8000, 8, bytes(800)), {}, 415, "mu-law"),
        "3 channels": (wav_header(1, 3, 48000, 16, pcm[: 4800 * 6]), {}, 422, "too many channels"),
        "odd rate": (wav_header(1, 1, 1000, 16, pcm), {}, 422, "sample rate"),
        "too long": (encode_wav_pcm16(np.zeros(8000 * 12, np.float32), 8000), {}, 413, "at most 10 s"),
        "no name": (good, {"X-Recorder": ""}, 400, "X-Recorder"),
        "bad name": (good, {"X-Recorder": "<script>"}, 400, "recorder name"),
        "half location": (good, {"X-Latitude": "35.1"}, 400, "both X-Latitude"),
        "bad latitude": (good, {"X-Latitude": "north", "X-Longitude": "1"}, 400, "X-Latitude must be a number"),
        "far latitude": (good, {"X-Latitude": "95", "X-Longitude": "1"}, 400, "out of range"),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
def test_bad_input_is_refused_with_its_reason_and_nothing_written(recorder, tmp_path: Path, case: str) -> None:
    engine, client = recorder
    body, extra, expected, words = _bad_inputs()[case]
    headers = {"Content-Type": "audio/wav", "X-Recorder": "Mika", **extra}
    status, reply = client.request("POST", "/api/takes", body, headers)
    assert status == expected, reply
    assert words in reply["error"]
    assert stored_files(tmp_path) == []  # no partial files, no .part left behind
    # The server goes on: a good take right after is taken.
    assert client.upload(encode_wav_pcm16(sine(seconds=0.2), 48000))[0] == 201
    assert len(probe_of(engine).wait_for(1)) == 1


def _raw_tls(client: Client) -> ssl.SSLSocket:
    assert client.tls is not None
    sock = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    return client.tls.wrap_socket(sock, server_hostname="127.0.0.1")


def test_oversize_upload_gets_413_unread(recorder, tmp_path: Path) -> None:
    _, client = recorder
    sock = _raw_tls(client)
    sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Mika\r\n"
                 f"Content-Length: {200_000_000}\r\n\r\n".encode() + bytes(1000))
    reply_bytes = b""
    while b"}" not in reply_bytes and (chunk := sock.recv(4096)):  # answered with the body still to come
        reply_bytes += chunk
    reply = reply_bytes.decode()
    assert reply.startswith("HTTP/1.1 413") and "too large" in reply
    # The rest of the body is read and dropped (so that a client sending it whole reads the answer) until it ends:
    # here the client gives it up (TCP's end, not TLS's, as a phone that drops off), and the connection is closed.
    socket.socket.shutdown(sock, socket.SHUT_WR)  # not SSLSocket.shutdown, which unwraps TLS on this side
    with contextlib.suppress(ssl.SSLError):  # OpenSSL answers a stream ended without TLS's close with an alert
        assert sock.recv(4096) == b""
    sock.close()
    assert stored_files(tmp_path) == []


def test_stalled_and_interrupted_uploads_do_not_block_others(recorder, tmp_path: Path) -> None:
    engine, client = recorder
    silent = socket.create_connection(("127.0.0.1", client.port), timeout=10)  # never even starts TLS
    slow = _raw_tls(client)
    wav = encode_wav_pcm16(sine(seconds=0.5), 48000)
    slow.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Slow\r\n"
                 f"Content-Length: {len(wav)}\r\n\r\n".encode() + wav[:1000])
    assert client.upload(wav, recorder="Quick")[0] == 201
    # Answered while the other two were still held, neither answered nor let go: Quick waited for neither.
    assert select.select([silent], [], [], 0)[0] == []
    slow.setblocking(False)
    with pytest.raises(ssl.SSLWantReadError):  # nothing to read yet (a TLS session ticket is no answer)
        slow.recv(1)
    slow.close()  # interrupted mid-body: nothing of it may be stored
    silent.close()
    time.sleep(0.2)
    takes = probe_of(engine).wait_for(1)
    assert [t.source for t in takes] == ["Quick"]
    assert len([n for n in stored_files(tmp_path) if n.endswith(".wav")]) == 1


def test_a_retried_upload_is_stored_and_emitted_once(recorder) -> None:
    engine, client = recorder
    wav = encode_wav_pcm16(sine(seconds=0.3), 48000)
    first = client.upload(wav, take_id="phone-take-1")
    second = client.upload(wav, take_id="phone-take-1")
    assert first[0] == 201 and second[0] == 200 and second[1]["duplicate"] is True
    assert second[1]["take_id"] == first[1]["take_id"]
    time.sleep(0.2)
    assert len(probe_of(engine).received) == 1


def test_eight_recorders_with_25_takes_each_all_stored_and_emitted_once(recorder, tmp_path: Path) -> None:
    engine, client = recorder
    results: dict[str, list[str]] = {}
    failures: list[str] = []

    def phone(name: str, freq: float) -> None:
        ids = []
        for i in range(25):
            wav = encode_wav_pcm16(sine(freq, 0.25, 16000), 16000)
            status, reply = client.upload(wav, recorder=name, take_id=f"{name}-{i}", latitude=str(40 + i / 100),
                                          longitude="2.0")
            if status != 201:
                failures.append(f"{name} take {i}: {status} {reply}")
            else:
                ids.append(reply["take_id"])
        results[name] = ids

    threads = [threading.Thread(target=phone, args=(f"Phone {n}", 200.0 + 50 * n)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    takes = probe_of(engine).wait_for(200, timeout=30)
    time.sleep(0.2)
    takes = [t for _, t in probe_of(engine).received]
    ids = [t.take_id for t in takes]
    assert len(ids) == 200 and len(set(ids)) == 200
    assert sorted(ids) == sorted(i for v in results.values() for i in v)
    assert {t.source for t in takes} == {f"Phone {n}" for n in range(8)}
    wavs = [n for n in stored_files(tmp_path) if n.endswith(".wav")]
    assert len(wavs) == 200
    assert TakeStore(tmp_path / "takes").unprocessed() == []
    status, listing = client.request("GET", "/api/takes?recorder=Phone%203")
    assert status == 200 and len(listing["takes"]) == 25


def test_takes_stored_but_not_passed_on_are_passed_on_at_the_next_start(tmp_path: Path) -> None:
    store = TakeStore(tmp_path / "takes")
    crashed = store.store(Take(sine(330.0, 0.5), 48000, take_id="Mika-crashed", source="Mika"))
    done = store.store(Take(sine(550.0, 0.5), 48000, take_id="Mika-done", source="Mika"))
    store.mark_processed(done)
    engine = recorder_engine(tmp_path)
    try:
        takes = probe_of(engine).wait_for(1)
        time.sleep(0.3)
        assert [t.take_id for _, t in probe_of(engine).received] == ["Mika-crashed"]
        assert takes[0].meta["recovered"] is True and takes[0].source == "Mika"
        assert takes[0].path == crashed.path
    finally:
        engine.stop()
    engine = recorder_engine(tmp_path)  # and not a second time
    try:
        time.sleep(0.3)
        assert probe_of(engine).received == []
    finally:
        engine.stop()


def test_certificate_and_token_are_made_once_and_reused(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path)
    cert = (tmp_path / "state" / "recorder-cert.pem").read_bytes()
    token = rec_of(engine).server.token
    status = engine.status["rec"]
    engine.stop()
    assert status["url"].startswith("https://") and status["url"].endswith(f"token={token}")
    rows = status["qr"]
    assert len(rows) == len(rows[0]) >= 21 and set("".join(rows)) == {"#", " "}
    engine = recorder_engine(tmp_path)
    assert rec_of(engine).server.token == token
    engine.stop()
    assert (tmp_path / "state" / "recorder-cert.pem").read_bytes() == cert
    engine = recorder_engine(tmp_path, rotate_token=True)
    try:
        assert rec_of(engine).server.token != token
        client = Client(engine, tmp_path / "state" / "recorder-cert.pem")
        assert client.request("GET", "/", token=token)[0] == 401
    finally:
        engine.stop()


def certificate_days_left(pem: Path) -> float:
    import subprocess

    out = subprocess.run(["openssl", "x509", "-enddate", "-noout", "-in", str(pem)], capture_output=True, text=True,
                         check=True).stdout.strip()
    return (ssl.cert_time_to_seconds(out.split("=", 1)[1]) - time.time()) / 86400


def test_a_certificate_close_to_expiry_is_made_anew_at_start_and_said(tmp_path: Path) -> None:
    """The certificate was made once, valid 825 days, and never again: on day 826 every phone met an expired
    certificate. One that expires within 30 days is now made anew at start, and the recorder says so."""
    import subprocess

    from exsampling_patch.nodes.web_recorder.tls import CERT_NAME, KEY_NAME

    state = tmp_path / "state"
    state.mkdir()
    cert, key = state / CERT_NAME, state / KEY_NAME
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "10", "-subj", "/CN=old", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], capture_output=True, check=True)
    old = cert.read_bytes()
    assert 9 < certificate_days_left(cert) <= 10
    engine = recorder_engine(tmp_path)
    try:
        warning = engine.status["rec"]["warning"]
        assert f"the recorder's HTTPS certificate {cert} expires on " in warning and "in 10 days" in warning, warning
        assert "a new one is made, valid 825 days" in warning
        assert cert.read_bytes() != old and certificate_days_left(cert) > 824
        client = Client(engine, cert)  # the server serves the new one: a phone that trusts it connects
        assert client.upload(encode_wav_pcm16(sine(), 48000))[0] == 201
    finally:
        engine.stop()
    renewed = cert.read_bytes()
    engine = recorder_engine(tmp_path)  # valid for long now: kept, nothing said
    try:
        assert "warning" not in engine.status["rec"]
    finally:
        engine.stop()
    assert cert.read_bytes() == renewed


@pytest.mark.parametrize(("days_on", "renewed"), [(0, False), (825 - 31, False), (825 - 29, True), (900, True)])
def test_a_certificate_is_renewed_within_30_days_of_its_end_or_after(tmp_path: Path, days_on: int,
                                                                     renewed: bool) -> None:
    from exsampling_patch.nodes.web_recorder.tls import ensure_certificate

    cert, _ = ensure_certificate(tmp_path, ["127.0.0.1"])
    first = cert.read_bytes()
    told: list[str] = []
    ensure_certificate(tmp_path, ["127.0.0.1"], warn=told.append, now=time.time() + days_on * 86400)
    assert (cert.read_bytes() != first) == renewed and bool(told) == renewed
    if days_on == 900:
        assert "expired on " in told[0] and str(cert) in told[0]


def test_plain_http_when_asked(tmp_path: Path) -> None:
    engine = recorder_engine(tmp_path, https=False)
    try:
        client = Client(engine, None)
        assert client.upload(encode_wav_pcm16(sine(), 48000))[0] == 201
        assert engine.status["rec"]["url"].startswith("http://")
    finally:
        engine.stop()


def test_status_comes_back_to_the_phone_through_a_recorder_status_node(tmp_path: Path) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "host": "127.0.0.1",
                                                    "state_folder": str(tmp_path / "state"), "port": 0,
                                                    "print_qr": False}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.add_node(NodeSpec("status", "recorder_status", {}))
    patch.connect("rec.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(patch)
    try:
        client = Client(engine, tmp_path / "state" / "recorder-cert.pem")
        client.upload(encode_wav_pcm16(sine(), 48000), recorder="Ana")
        take = probe_of(engine).wait_for(1)[0]
        trimmed = take.derive(take.samples[100:])  # downstream takes keep the id
        engine.inject("status", "prediction", Prediction(trimmed, (Score("dog", 0.87), Score("cat", 0.1))))
        engine.wait_idle()
        row = client.request("GET", "/api/takes?recorder=Ana")[1]["takes"][0]
        assert (row["status"], row["label"], row["confidence"]) == ("classified", "dog", 0.87)
        engine.inject("status", "assigned", SlotAssignment("Bass", trimmed, "dog", 0.87))
        engine.inject("status", "take", trimmed.derive(meta={"pitch_hz": 441.0}))
        engine.wait_idle()
        row = client.request("GET", "/api/takes?recorder=Ana")[1]["takes"][0]
        assert (row["status"], row["slot"], row["pitch_hz"]) == ("assigned", "Bass", 441.0)
        assert client.request("GET", "/api/takes?recorder=Someone")[1]["takes"] == []
        assert rec_of(engine).takes("Ana")[0]["slot"] == "Bass"
    finally:
        engine.stop()
