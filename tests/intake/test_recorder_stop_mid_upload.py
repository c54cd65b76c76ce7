"""The recorder's stop counts the phones' uploads it cut mid-body: a real HTTPS recorder, a phone's upload sent in part.

Before, such an upload was not counted anywhere: the run's summary said "takes ended: ..." of the takes inside the
patch, and the performer was not told that takes were on their way (the phone kept them, and sent them again after the
restart). Now the stop cuts an upload whose body is being read, never stores it, and reports how many it cut
(``uploads_cut_off``, the summary's count); one already stored is not counted. Its body is on its way from its headers
on, before its first byte arrived too: a browser sends the body right behind them, and one whose first bytes were still
on their way at the stop was stored into the stopped node and answered 201 (the phone took it for kept).
"""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import counts_of
from exsampling_patch.nodes.web_recorder.door import Door
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, probe_of, rec_of, recorder_engine, sine

TAKE = encode_wav_pcm16(sine(seconds=1.0), 48000)  # 96 kB: sent in part, the rest never


def begun(client: Client, take_id: str, part: int, expect: bool = True) -> ssl.SSLSocket:
    """A phone's upload over TLS: its headers, the recorder's "100 Continue" (``expect``; a browser asks for none),
    then the first ``part`` bytes of its body (none: its first bytes still on their way), the rest held back as a slow
    network holds it."""
    assert client.tls is not None
    sock = client.tls.wrap_socket(socket.create_connection(("127.0.0.1", client.port), timeout=10),
                                  server_hostname="127.0.0.1")
    expecting = "Expect: 100-continue\r\n" if expect else ""
    sock.sendall(f"POST /api/takes?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Slow\r\n"
                 f"X-Take-Id: {take_id}\r\nX-Phone-Key: {client.phone_key}\r\n{expecting}"
                 f"Content-Length: {len(TAKE)}\r\n\r\n".encode())
    answer = b""
    while expect and b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, answer
        answer += chunk
    assert not expect or answer.startswith(b"HTTP/1.1 100"), answer
    if part:
        sock.sendall(TAKE[:part])
    return sock


def receiving(engine: Engine, count: int) -> None:
    """Wait until the recorder reads ``count`` bodies (its door's count): their headers read, their bytes awaited."""
    door = rec_of(engine).server.door
    deadline = time.monotonic() + 10.0
    while door.counts()["receiving"] < count:
        assert time.monotonic() < deadline, f"the recorder does not take them for on their way: {door.counts()}"
        time.sleep(0.01)


def closed_unanswered(sock: ssl.SSLSocket, sent: int = 8000) -> bytes:
    """What the recorder still sends on a connection until it is closed (the rest of the body, after its first
    ``sent`` bytes, sent meanwhile)."""
    data = b""
    try:
        sock.sendall(TAKE[sent:])
        while chunk := sock.recv(4096):
            data += chunk
    except OSError:  # a reset, the TLS session cut: closed without an answer
        pass
    finally:
        sock.close()
    return data


def test_the_stop_counts_the_uploads_it_cut_mid_body(tmp_path: Path, recorder_state: Path) -> None:
    engine = recorder_engine(tmp_path, recorder_state)
    client, probe = Client(engine, recorder_state / "recorder-cert.pem"), probe_of(engine)
    try:
        status, stored = client.upload(TAKE, recorder="Ana", take_id="whole")  # stored: counted as a take, not here
        assert status == 201, stored
        cut = [(begun(client, f"slow-{n}", 8000), 8000) for n in range(2)]
        # Their headers read, not a byte of their bodies yet: on their way all the same, cut and counted as well (their
        # phones, as the others', meet a closed connection, keep the take and send it again). Left, a browser's (no
        # "100 Continue") was answered 201 once its body came, stored into the stopped node.
        cut += [(begun(client, "not-begun", 0), 0), (begun(client, "browser", 0, expect=False), 0)]
        receiving(engine, 4)
    finally:
        engine.stop()
    assert counts_of(engine, "uploads_cut_off") == {"rec": 4}
    for sock, sent in cut:
        assert closed_unanswered(sock, sent) == b""  # no answer: its phone keeps the take and sends it again
    assert [take.take_id for take in probe.wait_for(1)] == [stored["take_id"]]
    assert sorted(p.name for p in (tmp_path / "takes").glob("*.wav")) == [f"{stored['take_id']}.wav"]

    again = recorder_engine(tmp_path, recorder_state)  # the recorder back: the phone's try again is stored
    try:
        assert counts_of(again, "uploads_cut_off") == {}
        phone = Client(again, recorder_state / "recorder-cert.pem")
        phone.phone_key = client.phone_key
        for take_id in ("slow-0", "browser"):
            status, reply = phone.upload(TAKE, recorder="Slow", take_id=take_id)
            assert status == 201 and not reply.get("duplicate"), reply
    finally:
        again.stop()
    assert counts_of(again, "uploads_cut_off") == {}  # its stop cut nothing


def test_an_upload_a_live_edit_cut_is_counted_among_the_takes(tmp_path: Path, recorder_state: Path) -> None:
    """A live edit that rebuilds the recorder cuts an upload mid-body as a stop does, but the run's summary and the
    editor's Stop do not count it: its phone sends it again to the rebuilt recorder, which stores it (a take); said at
    the stop as well, it were told twice, and as still on the phone (docs/recording.md)."""
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events)
    client, probe = Client(engine, recorder_state / "recorder-cert.pem"), probe_of(engine)
    try:
        sock = begun(client, "slow-0", 8000)
        receiving(engine, 1)
        edited = Patch()
        edited.add_node(NodeSpec("rec", "web_recorder", {
            "folder": str(tmp_path / "takes"), "state_folder": str(recorder_state), "host": "127.0.0.1", "port": 0,
            "print_qr": False, "warn_free_mb": 1}))  # another setting: the recorder is rebuilt
        edited.add_node(NodeSpec("probe", "test_probe", {}))
        edited.connect("rec.take", "probe.take")
        assert engine.update(edited) is not None
        assert closed_unanswered(sock) == b""  # cut by the old recorder's stop, unanswered
        told = [e.status["uploads_cut_off"] for e in events if isinstance(e, NodeStatus) and e.node_id == "rec"
                and "uploads_cut_off" in e.status]
        assert told == [0, 1, 0]  # the first start, the old recorder's stop, the rebuilt one's start
        assert counts_of(engine, "uploads_cut_off") == {}
        phone = Client(engine, recorder_state / "recorder-cert.pem")  # the rebuilt recorder
        phone.phone_key = client.phone_key
        status, reply = phone.upload(TAKE, recorder="Slow", take_id="slow-0")
        assert status == 201 and not reply.get("duplicate"), reply
        assert [take.take_id for take in probe.wait_for(1)] == [reply["take_id"]]  # a take, counted among them
    finally:
        engine.stop()
    assert counts_of(engine, "uploads_cut_off") == {}  # the run's summary and the editor's Stop say nothing of it


def test_an_upload_that_begins_reading_after_the_stop_is_cut_not_stored() -> None:
    """A request that has shown its token but not yet begun reading its body when the stop cuts the others (a window
    of microseconds, or its "100 Continue" still being written) was neither shut as a stranger nor cut: its body came,
    was stored into the stopped node and answered 201. The recorder's own door, on a real TCP connection, in that order:
    the token, the stop, then the body's first read."""
    door = Door(max_connections=4, max_unauthenticated=4, header_timeout=5.0, request_timeout=5.0, write_timeout=5.0,
                min_rate=1000.0)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        phone = socket.create_connection(listener.getsockname(), timeout=10)
        server_side, _ = listener.accept()
    try:
        assert door.admit(server_side)
        door.authenticated(server_side)
        assert door.cut_receiving() == 0  # the stop: nothing was reading yet
        door.reading(server_side, time.monotonic(), 0)  # the handler begins reading its body
        assert not door.body_read(server_side)  # not stored, not answered
        assert door.counts()["cut_late"] == 1
        phone.settimeout(10.0)
        assert phone.recv(1) == b""  # shut: its phone meets a closed connection and sends the take again
    finally:
        door.leave(server_side)
        server_side.close()
        phone.close()


@pytest.mark.parametrize("renamed", [False, True])
def test_an_upload_cut_by_an_edit_that_removes_the_recorder_is_not_the_stops_news(tmp_path: Path, recorder_state: Path,
                                                                               renamed: bool) -> None:
    """A live edit that removes the recorder (or renames it: another node) cuts an upload on its way, as its stop
    does. Before, the removed node's uploads_cut_off stayed in the engine's statuses, so the run's summary and the
    editor's Stop (an observer that joins copies them) named it at the final stop, which did not cut it."""
    engine = recorder_engine(tmp_path, recorder_state)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    try:
        sock = begun(client, "slow-0", 8000)
        receiving(engine, 1)
        edited = Patch()
        if renamed:
            edited.add_node(NodeSpec("rec2", "web_recorder", {
                "folder": str(tmp_path / "takes"), "state_folder": str(recorder_state), "host": "127.0.0.1",
                "port": 0, "print_qr": False}))
        edited.add_node(NodeSpec("probe", "test_probe", {}))
        if renamed:
            edited.connect("rec2.take", "probe.take")
        assert engine.update(edited) is not None
        assert closed_unanswered(sock) == b""  # cut by the removed recorder's stop, unanswered
        assert counts_of(engine, "uploads_cut_off") == {}
    finally:
        engine.stop()
    assert counts_of(engine, "uploads_cut_off") == {}  # the final stop cut nothing
