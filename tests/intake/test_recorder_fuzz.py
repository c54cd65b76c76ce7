"""A few hundred random and malformed requests to a real recorder: every one gets a 4xx or 2xx answer.

Header values (numbers out of range, not numbers, huge, empty, control characters, bytes that are not
text), bodies (random bytes, cut WAV files, WAV headers with random fields), lengths that do not match,
methods and paths are drawn from a seeded generator, sent over a plain socket to 127.0.0.1, and the
answer read back. After all of them, a normal upload is still stored, and nothing was logged as a bug.
"""

from __future__ import annotations

import logging
import random
import socket
import struct
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, rec_of, recorder_engine, sine

CASES = 300
FIELDS = ["X-Recorder", "X-Take-Id", "X-Recorded-At", "X-Latitude", "X-Longitude", "X-Accuracy", "X-Location-Error",
          "X-Phone-Key", "X-Token", "Content-Length", "Transfer-Encoding", "Expect", "Content-Type", "Connection"]
NASTY = ["1e300", "-1e300", "1e-300", "nan", "NaN", "inf", "-Infinity", "1_000", "0x10", "", " ", "-0", "+", ".", "e5",
         "1e", "--1", "9" * 400, "18446744073709551616", "-1", "0", "1" * 70, "A" * 5000, "true", "null", "[]", "{}",
         "../../etc/passwd", "%00", "<script>", "100-continue", "chunked", "gzip, chunked", "close", "keep-alive",
         "Mika\tMika", "\u00e9\u00e8", "\u00ff" * 300, "12 34", "1,2", "٣", "😀"]


def _value(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.6:
        return rng.choice(NASTY).encode("utf-8")
    if kind < 0.9:  # random bytes, none of them ending the line
        return bytes(rng.choice([b for b in range(256) if b not in (10, 13)]) for _ in range(rng.randrange(1, 80)))
    return rng.choice([b"x\r\nX-Injected: 1", b"x\n", b"\r\n\r\n", b"x\x00y"])


def _body(rng: random.Random, good: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return good
    if kind == 1:
        return good[: rng.randrange(len(good))]
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
    # A WAV header whose fields are random: channels, rate, sizes, format, bits.
    fields = [rng.choice([0, 1, 3, 6, 7, 0xFFFE, rng.randrange(65536)]), rng.choice([0, 1, 2, 3, 65535]),
              rng.choice([0, 1, 8000, 48000, 2**32 - 1]), rng.randrange(2**32), rng.randrange(65536),
              rng.choice([0, 7, 8, 16, 24, 32, 64, 65535])]
    data_size = rng.choice([0, 100, 2**32 - 1, rng.randrange(2**32)])
    fmt_size = rng.choice([16, 18, 40, 2, 2**32 - 1])
    header = struct.pack("<4sI4s4sIHHIIHH", b"RIFF", rng.randrange(2**32), b"WAVE", b"fmt ", fmt_size, *fields)
    return header + struct.pack("<4sI", b"data", data_size) + good[44:44 + rng.randrange(0, 400)]


def _request(rng: random.Random, token: str, good: bytes) -> bytes:
    body = _body(rng, good)
    method = rng.choices([b"POST", b"GET", b"HEAD", b"PUT", b"OPTIONS", b"P\x00ST"], [70, 12, 5, 5, 4, 4])[0]
    path = rng.choices([f"/api/takes?token={token}".encode(), b"/api/takes", f"/?token={token}".encode(),
                        f"/api/takes?recorder=Mika&token={token}".encode(), b"/static/app.js",
                        f"/api/takes?token={token}&token=x&%zz=%".encode(), b"http://[::1/api/takes",
                        f"/{'a' * 3000}?token={token}".encode()], [60, 8, 6, 8, 4, 6, 4, 4])[0]
    headers: dict[str, bytes] = {"Host": b"127.0.0.1", "X-Recorder": b"Mika", "X-Take-Id": f"fz{rng.random()}".encode(),
                                 "X-Phone-Key": b"fuzz-phone-key-0123456789", "Content-Type": b"audio/wav",
                                 "Content-Length": str(len(body)).encode()}
    for name in rng.sample(FIELDS, rng.randrange(1, 5)):
        headers[name] = _value(rng)
    lines = [method + b" " + path + b" HTTP/1.1"] + [k.encode() + b": " + v for k, v in headers.items()]
    if rng.random() < 0.1:  # a header twice
        lines.append(b"Content-Length: " + rng.choice([b"0", b"5", str(len(body)).encode()]))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        try:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)  # nothing more comes: a body announced longer is cut short
        except OSError:
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


@pytest.fixture
def plain_recorder(tmp_path: Path, recorder_state: Path):
    engine = recorder_engine(tmp_path, recorder_state, https=False, max_upload_mb=0.5, max_seconds=5.0)
    try:
        yield engine, Client(engine, None)
    finally:
        engine.stop()


def test_a_few_hundred_malformed_requests_are_all_answered_without_a_5xx(plain_recorder, caplog) -> None:
    engine, client = plain_recorder
    caplog.set_level(logging.ERROR, logger="exsampling")
    rng = random.Random(16)
    good = encode_wav_pcm16(sine(seconds=0.05), 16000)
    failures: list[str] = []
    answered = 0
    for case in range(CASES):
        request = _request(rng, client.token, good)
        answer = _exchange(client.port, request)
        statuses = [line.split(b" ")[1] for line in answer.split(b"\r\n")
                    if line.startswith(b"HTTP/1.1 ") and len(line.split(b" ")) > 1]
        if not statuses:
            failures.append(f"case {case}: no answer to {request[:160]!r}")
        elif any(not s.isdigit() or int(s) >= 500 for s in statuses):
            failures.append(f"case {case}: {answer[:200]!r} to {request[:300]!r}")
        else:
            answered += 1
    assert failures == [], "\n".join(failures[:10])
    assert answered == CASES
    bugs = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("exsampling")]
    assert bugs == [], [r.getMessage() for r in bugs]
    # The server still serves a normal upload, and holds no connection of the fuzzing.
    before = len(probe_of(engine).received)
    status, reply = client.upload(encode_wav_pcm16(sine(seconds=0.3), 48000), recorder="After", take_id="after")
    assert status == 201, reply
    assert any(t.source == "After" for t in probe_of(engine).wait_for(before + 1))
    assert rec_of(engine).server.door.counts()["open"] <= 1
