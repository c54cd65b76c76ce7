"""The recorder held at its connection limit: what a phone turned away is answered (busy.py), over real sockets.

Every slot is held by an upload that showed the token and sends no body (an authenticated request keeps its slot
for ``request_timeout``), so each new connection is turned away and answered 503.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS, JSON_TYPE, RETRY_AFTER
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus

from .conftest import Client, microphone, rec_of, recorder_engine

HELD = 2  # max_connections: the least the recorder takes
BROWSER = Path(__file__).resolve().parents[1] / "browser"


class Full:
    """A recorder whose every connection slot is held, until :meth:`release`."""

    def __init__(self, engine: Engine, client: Client) -> None:
        self.engine, self.client = engine, client
        self.held: list[ssl.SSLSocket] = []
        for _ in range(HELD):
            assert client.tls is not None
            sock = client.tls.wrap_socket(socket.create_connection(("127.0.0.1", client.port), timeout=10),
                                          server_hostname="127.0.0.1")
            sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Holder\r\n"
                         f"Content-Length: 1000\r\n\r\n".encode())
            self.held.append(sock)
        door = rec_of(engine).server.door
        deadline = time.monotonic() + 10  # a hang's limit: the handlers read the heads at once
        while sum(1 for c in door._open.values() if c.authenticated) < HELD:
            assert time.monotonic() < deadline, door.counts()
            time.sleep(0.01)

    def release(self) -> None:
        for sock in self.held:
            sock.close()
        door = rec_of(self.engine).server.door
        deadline = time.monotonic() + 10
        while door.counts()["open"]:
            assert time.monotonic() < deadline, door.counts()
            time.sleep(0.01)


@pytest.fixture
def full(tmp_path: Path, recorder_state: Path) -> Iterator[Full]:
    engine = recorder_engine(tmp_path, recorder_state, max_connections=HELD)
    held = None
    try:
        held = Full(engine, Client(engine, recorder_state / "recorder-cert.pem"))
        yield held
    finally:
        if held is not None:
            held.release()
        engine.stop()


def get(client: Client, path: str) -> tuple[http.client.HTTPResponse, bytes]:
    conn = client.connection()
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        return reply, reply.read()
    finally:
        conn.close()


def test_the_busy_page_has_the_answers_headers_and_reloads_itself_into_the_recording_page(full: Full) -> None:
    client = full.client
    page = f"/?token={client.token}"
    reply, body = get(client, page)
    assert reply.status == 503 and reply.getheader("Retry-After") == str(RETRY_AFTER), (reply.status, body)
    assert reply.getheader("Content-Type") == "text/html; charset=utf-8"
    for name, value in ANSWER_HEADERS:  # as every answer of the recorder's own handler carries them
        assert reply.getheader(name) == value, (name, reply.getheaders())
    # A refresh without a URL: the page opens itself again, at the address it was opened with (token and all).
    refresh = re.search(rb'<meta http-equiv="refresh" content="([^"]*)">', body)
    assert refresh is not None and refresh.group(1) == str(RETRY_AFTER).encode(), body
    assert b"busy" in body
    api, data = get(client, f"/api/takes?token={client.token}")
    assert api.status == 503 and api.getheader("Content-Type") == JSON_TYPE, data
    assert [api.getheader(name) for name, _ in ANSWER_HEADERS] == [value for _, value in ANSWER_HEADERS]
    full.release()
    reply, body = get(client, page)  # what the reload finds once a phone is done
    assert reply.status == 200 and b'<button id="rec"' in body, (reply.status, body[:300])
    assert [reply.getheader(name) for name, _ in ANSWER_HEADERS] == [value for _, value in ANSWER_HEADERS]
    handled, data = get(client, f"/api/takes?token={client.token}")  # the handler's own JSON answer (no phone named)
    assert handled.status != 503 and "error" in json.loads(data), (handled.status, data)
    assert handled.getheader("Content-Type") == api.getheader("Content-Type"), "the busy 503's JSON is typed alike"



def test_an_upload_of_several_megabytes_turned_away_reads_its_503(full: Full) -> None:
    """A phone sends its whole body before it reads (http.client does too). The busy answer was sent, 4 MB of the
    body read and the connection closed on the rest: the client's send failed (SSLEOFError), the 503 unread."""
    conn = full.client.connection()
    try:
        conn.request("POST", f"/api/takes?token={full.client.token}", body=bytes(5_000_000),
                     headers={"X-Recorder": "Big", "Content-Type": "audio/wav"})
        reply = conn.getresponse()
        assert reply.status == 503 and reply.getheader("Retry-After") == str(RETRY_AFTER)
        assert b"too many phones at once" in reply.read()
    finally:
        conn.close()


def test_an_upload_larger_than_the_recorder_takes_turned_away_reads_its_413(tmp_path: Path,
                                                                            recorder_state: Path) -> None:
    """Told 503, such a phone would come back only to be refused; and its body, larger than the recorder takes, was
    not read: the connection closed on it and the client's send failed before it read any answer."""
    engine = recorder_engine(tmp_path, recorder_state, max_connections=HELD, max_upload_mb=1.0)
    held = None
    try:
        held = Full(engine, Client(engine, recorder_state / "recorder-cert.pem"))
        conn = held.client.connection()
        try:
            conn.request("POST", f"/api/takes?token={held.client.token}", body=bytes(3_000_000),
                         headers={"X-Recorder": "Big", "Content-Type": "audio/wav"})
            reply = conn.getresponse()
            data = json.loads(reply.read())
        finally:
            conn.close()
        assert reply.status == 413 and "too large: 3.0 MB (at most 1.0 MB)" in data["error"], (reply.status, data)
        assert reply.getheader("Content-Type") == JSON_TYPE and reply.getheader("Retry-After") is None
        assert [reply.getheader(name) for name, _ in ANSWER_HEADERS] == [value for _, value in ANSWER_HEADERS]
    finally:
        if held is not None:
            held.release()
        engine.stop()


def test_an_upload_larger_than_the_recorder_takes_turned_away_is_told_for_a_paired_phone_only(
        tmp_path: Path, recorder_state: Path) -> None:
    """Answered 413 by the busy answer, a paired phone's take too large was told to the phone (which drops it) and
    not on the console, as the handler's 413 is: that answer never checked the token, and telling it would tell
    strangers' uploads too."""
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events, max_connections=HELD, max_upload_mb=1.0)
    held = None
    try:
        held = Full(engine, Client(engine, recorder_state / "recorder-cert.pem"))
        for token, recorder in (("an-old-token-from-last-week-01", "Stranger"), (held.client.token, "Big")):
            conn = held.client.connection()
            try:
                conn.request("POST", "/api/takes", body=bytes(3_000_000),
                             headers={"X-Token": token, "X-Recorder": recorder, "Content-Type": "audio/wav"})
                reply = conn.getresponse()
                assert reply.status == 413, (reply.status, reply.read())
            finally:
                conn.close()

        def told() -> list[str]:
            return [event.status["refused_take"] for event in list(events)
                    if isinstance(event, NodeStatus) and event.status.get("refused_take")]

        deadline = time.monotonic() + 10  # a hang's limit: told before the answer is sent
        while not told():
            assert time.monotonic() < deadline, events
            time.sleep(0.01)
    finally:
        if held is not None:
            held.release()
        engine.stop()
    # The stranger's went first: told, it would be told first.
    assert told() == ["a take from Big at 127.0.0.1 was refused, not stored: the take is too large: 3.0 MB (at most "
                      "1.0 MB)"]


@pytest.mark.browser
@pytest.mark.usefixtures("phone_browsers")  # the run's Chromium, a context of its own: not one launched for the test
def test_chromium_shown_the_busy_page_opens_the_recording_page_once_there_is_room(full: Full) -> None:
    if shutil.which("node") is None or not (BROWSER / "node_modules" / "playwright-core").exists():
        pytest.skip("playwright-core is not installed (scripts/bootstrap.sh runs npm ci in tests/browser)")
    phone = subprocess.Popen(["node", str(BROWSER / "busy_page.js"), rec_of(full.engine).local_url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **microphone()[1]})
    try:
        assert phone.stdout is not None
        first = phone.stdout.readline()
        assert first, phone.communicate(timeout=30)
        shown = json.loads(first)
        assert shown["status"] == 503 and "busy" in shown["text"], shown
        full.release()
        out, err = phone.communicate(timeout=60)  # a hang's limit: the page reloads every RETRY_AFTER s
    finally:
        if phone.poll() is None:
            phone.kill()
            phone.wait()
    assert phone.returncode == 0, err + out
    statuses = json.loads(out.strip().splitlines()[-1])["statuses"]
    assert statuses[0] == 503 and statuses[-1] == 200 and set(statuses) == {200, 503}, statuses
