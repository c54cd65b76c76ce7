"""The recorder's door holds: oversize bodies, deadlines, slow and silent strangers, nothing without the token.

Every test talks to a real recorder on 127.0.0.1 over real sockets; each loop is bounded.
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, probe_of, recorder_engine, sine

WAV = encode_wav_pcm16(sine(seconds=0.2), 48000)


@pytest.fixture
def small_door(tmp_path: Path, recorder_state: Path) -> Iterator[tuple[Engine, Client]]:
    """A recorder with small limits, so that the tests reach them quickly."""
    engine = recorder_engine(tmp_path, recorder_state, max_upload_mb=1.0, max_connections=48,
                             max_unauthenticated=16, header_timeout=1.0, request_timeout=1.5,
                             min_upload_kbps=1000.0)  # 125 kB/s: the drips below fall 1.5 s behind within 2 s
    try:
        yield engine, Client(engine, recorder_state / "recorder-cert.pem")
    finally:
        engine.stop()


def tls_socket(client: Client, timeout: float = 10.0) -> ssl.SSLSocket:
    assert client.tls is not None
    sock = socket.create_connection(("127.0.0.1", client.port), timeout=timeout)
    return client.tls.wrap_socket(sock, server_hostname="127.0.0.1")


def read_until_closed(sock: socket.socket, limit: float = 10.0) -> bytes:
    data, deadline = b"", time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionError, ssl.SSLError):
            break
        if not chunk:
            break
        data += chunk
    return data


# -- bodies ------------------------------------------------------------------------------------------------------


def test_an_oversize_body_sent_whole_gets_its_413_message(small_door) -> None:
    _, client = small_door
    # http.client sends the whole body before it reads, as a browser's fetch does: the answer must wait
    # for it (it came back as a broken connection, and the phone said "could not reach the recorder").
    status, reply = client.request("POST", "/api/takes", bytes(3_000_000), {"X-Recorder": "Mika"})
    assert status == 413 and "too large: 3.0 MB (at most 1.0 MB)" in reply["error"]
    assert client.upload(WAV)[0] == 201


def test_an_upload_many_times_the_limit_sent_whole_gets_its_413_too(small_door) -> None:
    _, client = small_door
    # Past four times the limit the body was left unread and the connection closed on it: http.client's send
    # failed (a broken pipe) and the 413 was never read.
    conn = client.connection()
    try:
        conn.request("POST", f"/api/takes?token={client.token}", body=bytes(20_000_000), headers={"X-Recorder": "Mika"})
        reply = conn.getresponse()
        data = json.loads(reply.read())
    finally:
        conn.close()
    assert reply.status == 413 and "too large: 20.0 MB (at most 1.0 MB)" in data["error"], (reply.status, data)
    assert [reply.getheader(name) for name, _ in ANSWER_HEADERS] == [value for _, value in ANSWER_HEADERS]
    assert client.upload(WAV)[0] == 201


def test_with_expect_continue_a_refused_body_is_never_asked_for(small_door) -> None:
    _, client = small_door
    for query, expected in ((f"?token={client.token}", b"HTTP/1.1 413"), ("", b"HTTP/1.1 401")):
        sock = tls_socket(client)
        sock.sendall(f"POST /api/takes{query} HTTP/1.1\r\nHost: x\r\nX-Recorder: Mika\r\nExpect: 100-continue\r\n"
                     f"Content-Length: 5000000\r\n\r\n".encode())
        reply = read_until_closed(sock)
        sock.close()
        assert reply.startswith(expected) and b"100 Continue" not in reply, reply[:200]
    # A body that may come is asked for, once the token and the length are checked.
    sock = tls_socket(client)
    sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Mika\r\n"
                 f"Expect: 100-continue\r\nConnection: close\r\nContent-Length: {len(WAV)}\r\n\r\n".encode())
    assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue")
    sock.sendall(WAV)
    assert read_until_closed(sock).startswith(b"HTTP/1.1 201")
    sock.close()


# -- slow and silent connections ---------------------------------------------------------------------------


def test_a_silent_stranger_is_let_go_after_the_header_timeout(small_door) -> None:
    _, client = small_door
    # never even starts TLS; 6 s: the server's header_timeout (1 s) lets it go, its read timeout (30 s) would not
    sock = socket.create_connection(("127.0.0.1", client.port), timeout=6)
    try:
        answer = read_until_closed(sock, 6.0)
    except TimeoutError:
        raise AssertionError("a silent stranger was still held 6 s on (header_timeout is 1 s)") from None
    finally:
        sock.close()
    assert answer == b"" or answer.startswith(b"\x15")  # closed by the server, perhaps with a TLS alert


def test_an_upload_past_its_deadline_is_answered_408(small_door) -> None:
    engine, client = small_door
    sock = tls_socket(client)
    sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Drip\r\n"
                 f"Content-Length: {len(WAV)}\r\n\r\n".encode())
    started, reply = time.monotonic(), b""
    for at in range(0, len(WAV), 100):  # 100 bytes every 0.1 s: each read is in time, the whole never
        if time.monotonic() - started > 8.0:
            break
        try:
            sock.sendall(WAV[at:at + 100])
        except OSError:
            break
        if select.select([sock], [], [], 0.1)[0]:
            reply = read_until_closed(sock)
            break
    sock.close()
    # Answered while the body was still on its way (8 s of the 19 s it would take; it is 1.5 s behind in 1.6 s).
    assert reply.startswith(b"HTTP/1.1 408") and b"came too slowly" in reply, reply[:300]
    assert probe_of(engine).received == []
    assert client.upload(WAV)[0] == 201


# -- without the token ---------------------------------------------------------------------------------------


def test_nothing_but_the_static_files_answers_without_the_token(recorder) -> None:
    engine, client = recorder
    for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        for path in ("/", "/index.html", "/api/takes", "/api/takes?recorder=Mika", "/api/takes?token=",
                     "/nope", "//api/takes", "/static/../index.html"):
            body = WAV if method in ("POST", "PUT") else None
            status, reply = client.request(method, path, body, {"X-Recorder": "Mika"}, token=None)
            assert 400 <= status < 500, (method, path, status)
            if method in ("GET", "POST"):
                assert b"take" not in reply if isinstance(reply, bytes) else "takes" not in reply
    assert client.request("GET", "/static/app.js", token=None)[0] == 200
    assert client.request("GET", "/static/pcm-worklet.js", token=None)[0] == 200
    time.sleep(0.1)
    assert probe_of(engine).received == []


def test_no_body_is_read_before_the_token_is_checked(small_door) -> None:
    _, client = small_door
    # Without the token, a body is not waited for: the answer comes while it is still on its way.
    sock = tls_socket(client)
    sock.sendall(b"POST /api/takes HTTP/1.1\r\nHost: x\r\nX-Recorder: Mika\r\nContent-Length: 900000\r\n\r\n")
    sock.settimeout(10)  # a hang's limit: a server waiting for the body would answer 408 after 1.5 s, not 401
    head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 401"), head[:200]
    sock.close()


def test_http_client_sees_every_refusal_as_an_answer(small_door) -> None:
    """The refusals that come before the body is read, as a client that sends it all sees them."""
    _, client = small_door
    for headers, expected in (({"Content-Length": "12abc"}, 400), ({"Content-Length": "-1"}, 400),
                              ({"Content-Length": "1_000"}, 400)):
        conn = client.connection()
        conn.putrequest("POST", f"/api/takes?token={client.token}", skip_accept_encoding=True)
        conn.putheader("X-Recorder", "Mika")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        assert reply.status == expected and b"Content-Length" in reply.read()
        conn.close()


def test_the_parsers_own_refusals_carry_the_answer_headers(small_door) -> None:
    _, client = small_door
    for request in (b"BREW / HTTP/1.1", b"GET / HTTP/1.1\r\nX: " + b"x" * 70000):  # 501 told as 405; 431
        sock = tls_socket(client)
        sock.sendall(request + b"\r\nHost: x\r\n\r\n")
        head = read_until_closed(sock).split(b"\r\n\r\n")[0].decode("latin-1").lower()
        sock.close()
        assert head.startswith(("http/1.1 4", "http/1.0 4")), head
        for name, value in ANSWER_HEADERS:
            assert f"\r\n{name.lower()}: {value}" in head, (request[:20], head)


def test_a_request_line_in_a_version_not_spoken_is_refused_with_the_answer_headers(small_door) -> None:
    """Refused before its version was known, the answer went out as HTTP/0.9: the error page alone, without a
    status line or any header; and an HTTP/0.9 request was served so, the page too."""
    _, client = small_door
    for line in ("GET / HTTP/2.0", "GET / HTTP/1.x", "GET / HTTP/1.1 x", "POST /", "GET / HTTP/0.9",
                 f"GET /?token={client.token}"):
        sock = tls_socket(client)
        sock.sendall(f"{line}\r\nHost: x\r\n\r\n".encode())
        reply = read_until_closed(sock)
        sock.close()
        head = reply.split(b"\r\n\r\n")[0].decode("latin-1").lower()
        assert head.startswith("http/1.1 400 "), (line, reply[:300])
        for name, value in ANSWER_HEADERS:
            assert f"\r\n{name.lower()}: {value}" in head, (line, head)
        assert "\r\nconnection: close" in head and b'<button id="rec"' not in reply, (line, reply[:300])


def test_a_kept_alive_connection_takes_no_upload_once_the_recorder_stopped(tmp_path: Path,
                                                                           recorder_state: Path) -> None:
    """A phone's browser keeps its connection open between requests. Once the recorder stops (the patch stopped,
    or restarted in the editor), that connection no longer takes takes into the stopped node, answered "received"
    and passed on nowhere: the phone sees the recorder gone, keeps its take and sends it to the running one."""
    engine = recorder_engine(tmp_path, recorder_state)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    conn = client.connection()
    try:
        conn.request("GET", f"/api/takes?token={client.token}", headers={"X-Phone-Key": client.phone_key})
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200 and reply.getheader("Connection") != "close"  # kept alive
        engine.stop()
        with pytest.raises(OSError):  # RemoteDisconnected, a reset or a refused reconnection
            conn.request("POST", f"/api/takes?token={client.token}", body=WAV,
                         headers={"X-Phone-Key": client.phone_key, "X-Recorder": "Mika", "Content-Type": "audio/wav"})
            answer = conn.getresponse()
            pytest.fail(f"a stopped recorder answered {answer.status}: {answer.read()[:200]!r}")
        assert not list((tmp_path / "takes").rglob("*.wav"))
    finally:
        conn.close()
        engine.stop()


def test_an_upload_cut_short_is_answered_408_and_its_retry_is_stored(tmp_path: Path, recorder_state: Path) -> None:
    """A phone's Wi-Fi drops mid-upload: before, the half body was answered 400, which the page takes as final,
    and dropped the take from the phone. 408 is what the page sends again (its retry set: 408, 409, 429, 5xx),
    and the retry, with the same take id, is stored as a new take, not refused as one being uploaded."""
    engine = recorder_engine(tmp_path, recorder_state, https=False)
    try:
        client = Client(engine, None)
        sock = socket.create_connection(("127.0.0.1", client.port), timeout=10)
        sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Drop\r\n"
                     f"X-Take-Id: cut-1\r\nX-Phone-Key: {client.phone_key}\r\n"
                     f"Content-Length: {len(WAV)}\r\n\r\n".encode() + WAV[:len(WAV) // 2])
        sock.shutdown(socket.SHUT_WR)  # the rest never comes
        reply = read_until_closed(sock)
        sock.close()
        assert reply.startswith(b"HTTP/1.1 408") and b"cut short" in reply, reply[:300]
        assert probe_of(engine).received == []
        status, stored = client.upload(WAV, recorder="Drop", take_id="cut-1")
        assert status == 201, stored
        assert len(probe_of(engine).wait_for(1)) == 1
    finally:
        engine.stop()


def test_a_slow_upload_sent_whole_before_reading_gets_its_408(small_door) -> None:
    """A phone on a slow network sends its take whole before it reads, as a browser's fetch does. Past the deadline
    the recorder answered 408 and closed on the body still coming: the close reset the connection under the phone's
    send (here the rest of the body failed to go), and a stack that drops what it received on a reset never read
    the 408. The recorder now ends its answer and reads the rest, and the phone sends it whole and reads the 408."""
    engine, client = small_door
    sock = tls_socket(client)
    sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Crawl\r\n"
                 f"X-Phone-Key: {client.phone_key}\r\nContent-Length: {len(WAV)}\r\n\r\n".encode())
    sent = 0
    try:
        for at in range(0, len(WAV), 1000):  # 1 kB every 0.1 s: 2 s for the whole, 1.5 s behind the pace in 1.6 s
            sock.sendall(WAV[at:at + 1000])
            sent += len(WAV[at:at + 1000])
            time.sleep(0.1)
    except OSError:
        pass  # the recorder stopped reading: what it answered is read all the same
    reply = read_until_closed(sock)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 408") and b"came too slowly" in reply, (sent, reply[:300])
    assert sent == len(WAV), (sent, len(WAV))  # the whole body went, none of it was refused with a reset
    assert probe_of(engine).received == []
