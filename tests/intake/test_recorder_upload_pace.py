"""An upload's deadline fits its size: a long take on a slow but steady network is stored, a trickle or a stall cut.

Before, the whole body had ``request_timeout`` whatever its size: a 3-minute take (tens of MB) on a phone network of a
few hundred kbit/s was cut with 408 at every try, and the phone sent it again for ever; it never arrived. The body now
keeps pace with ``min_upload_kbps``, ``request_timeout`` of lag allowed. Scaled down here (each test waits on that lag
in real time): a 1 s allowance, 50 kB/s the pace, a 144 kB take. A real recorder (plain HTTP) on 127.0.0.1, a client
socket that sends at a steady rate.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, probe_of, recorder_engine, sine

TAKE = encode_wav_pcm16(sine(seconds=1.5), 48000)  # 144 kB
ALLOWANCE = 1.0  # request_timeout, s
PACE_KBPS = 400.0  # min_upload_kbps: 50 kB/s


@pytest.fixture
def paced(tmp_path: Path, recorder_state: Path) -> Iterator[tuple[Engine, Client]]:
    engine = recorder_engine(tmp_path, recorder_state, https=False, request_timeout=ALLOWANCE,
                             min_upload_kbps=PACE_KBPS)
    try:
        yield engine, Client(engine, None)
    finally:
        engine.stop()


def read_answer(sock: socket.socket, limit: float = 10.0) -> bytes:
    data, deadline = b"", time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def send_at(client: Client, take_id: str, bytes_per_s: float, stop_after: int | None = None,
            most_seconds: float = 20.0) -> bytes:
    """Send TAKE at a steady ``bytes_per_s`` (2 kB at a time), or its first ``stop_after`` bytes at once and then
    nothing; returns the recorder's answer (read as soon as it comes, the body still on its way or not)."""
    sock = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    try:
        sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Slow\r\n"
                     f"X-Take-Id: {take_id}\r\nX-Phone-Key: {client.phone_key}\r\nConnection: close\r\n"
                     f"Content-Length: {len(TAKE)}\r\n\r\n".encode())
        started, sent = time.monotonic(), 0
        if stop_after is not None:
            sock.sendall(TAKE[:stop_after])
            sent = len(TAKE)  # nothing more is sent: wait for the answer
        while time.monotonic() - started < most_seconds:
            if sent < len(TAKE):
                due = started + sent / bytes_per_s  # steady: the next 2 kB when they are due
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    sock.sendall(TAKE[sent:sent + 2000])
                except OSError:
                    break  # the recorder stopped reading: its answer is read all the same
                sent += 2000
            if select.select([sock], [], [], 0 if sent < len(TAKE) else 0.5)[0]:
                break
        return read_answer(sock)
    finally:
        sock.close()


def test_a_take_sent_slowly_but_steadily_is_stored(paced) -> None:
    """100 kB/s, twice the pace: the 144 kB take takes about 1.5 s, past the 1 s a fixed deadline gave it."""
    engine, client = paced
    answer = send_at(client, "steady-1", 100_000)
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert len(probe_of(engine).wait_for(1)) == 1


def test_a_take_sent_slower_than_the_pace_is_cut_and_its_retry_stored(paced) -> None:
    """10 kB/s, a fifth of the pace: it falls 1 s behind about 1.25 s in, and is answered 408 while the rest of it
    would take 13 s more; the phone's retry on a better network is stored."""
    engine, client = paced
    answer = send_at(client, "crawl-1", 10_000)
    assert answer.startswith(b"HTTP/1.1 408") and b"came too slowly" in answer, answer[:300]
    assert b"under the 400 kbit/s the recorder waits for" in answer, answer[:300]
    assert probe_of(engine).received == []
    status, reply = client.upload(TAKE, recorder="Slow", take_id="crawl-1")
    assert status == 201, reply


def test_a_stalled_take_is_cut(paced) -> None:
    """A third of the take at once, then nothing (the phone left the Wi-Fi's range): cut once it is 1 s behind the
    pace (about 2 s in), well before the server's read timeout, never stored."""
    engine, client = paced
    answer = send_at(client, "stall-1", 100_000, stop_after=len(TAKE) // 3)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert probe_of(engine).received == []
