"""The recorder's stop waits (a few seconds at most) for the requests already past the token check to be answered, so
that what they tell is told before the stop returns: ``exsampling run`` reads the recorder's counts once, right after
the engine's stop, for its summary. Before, the stop did not wait: a take whose disk check was under way at the stop was
refused for the full disk (507, kept on its phone) after the summary was printed, and the summary missed it. A real
HTTPS recorder run by an engine; the take folder's free space is set by the test (a real disk's moves as others write),
and its look held until the stop waits for that take."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import counts_of, phones_text
from exsampling_patch.nodes import disk_space

from .conftest import Client, rec_of, recorder_engine
from .test_recorder_stop_mid_upload import TAKE


class HeldLook:
    """The take folder's free space as the recorder looks at it: 10 GB, then none; once :meth:`hold` is called, the
    next look waits (``looking`` set) until :meth:`release`."""

    def __init__(self) -> None:
        self.room = 10_000 * 10**6
        self.looking, self._released, self._held = threading.Event(), threading.Event(), False

    def __call__(self, folder: Path) -> int:
        if self._held:
            self._held = False
            self.looking.set()
            assert self._released.wait(30), "the test never released the disk's look"
        return self.room

    def hold(self) -> None:
        self.room, self._held = 0, True

    def release(self) -> None:
        self._released.set()


def test_a_take_refused_for_the_full_disk_as_the_recorder_stops_is_in_the_summary(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    engine = recorder_engine(tmp_path, recorder_state, min_free_mb=100, warn_free_mb=200)
    door = rec_of(engine).server.door
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
    phone.start()
    stopper = threading.Thread(target=engine.stop)
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        stopper.start()  # its request read whole, its disk being looked at
        # Released once the stop waits for the take, or has returned without it (then the summary below misses it).
        while stopper.is_alive() and not getattr(door, "settling", 0):
            time.sleep(0.01)
    finally:
        look.release()
        stopper.join(30)
        # As `exsampling run` reads it: once, right after the engine's stop.
        summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"),
                              counts_of(engine, "uploads_arriving"))
        phone.join(30)
    assert answers and answers[0][0] == 507, answers  # refused as the recorder stopped: its phone keeps it
    assert summary == "; 1 take refused by 'rec' for its full disk, kept on the phones: make room, they are sent again"
    assert not list((tmp_path / "takes").glob("*.wav"))


def test_an_upload_cut_as_it_begins_reading_while_the_stop_waits_is_counted(tmp_path: Path,
                                                                            recorder_state: Path) -> None:
    """A request that has shown its token but not yet begun reading its body when the stop cuts the others is cut as
    it begins (``cut_late``), never stored. That count was the door's alone: the recorder had reported its uploads cut
    off already, so neither the run's summary nor the editor's Stop said that take, on its way from its phone. The
    recorder's own door on a real TCP connection, the test in its handler's place: the token, the stop, then the
    body's first read while the stop waits for the request."""
    engine = recorder_engine(tmp_path, recorder_state)
    door = rec_of(engine).server.door
    with socket.create_server(("127.0.0.1", 0)) as listener:
        phone = socket.create_connection(listener.getsockname(), timeout=10)
        server_side, _ = listener.accept()
    stopper = threading.Thread(target=engine.stop)
    try:
        assert door.admit(server_side)
        door.authenticated(server_side)
        stopper.start()
        while stopper.is_alive() and not getattr(door, "settling", 0):  # the stop waits for the request
            time.sleep(0.01)
        door.reading(server_side, time.monotonic(), 0)  # the handler begins reading its body
        assert not door.body_read(server_side)  # not stored, not answered
    finally:
        door.leave(server_side)
        server_side.close()
        phone.close()
        stopper.join(30)
    assert door.counts()["cut_late"] == 1
    summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"),
                          counts_of(engine, "uploads_arriving"))
    assert summary == ("; 1 upload from a phone to 'rec' cut off by the stop: the phone keeps that take and sends it "
                       "again when the recorder is back")



def read_answer(sock: socket.socket) -> bytes:
    """One answer's head, its body (by its Content-Length) read too, without waiting for the connection to close."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the answer's end: {data[:300]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    while len(body) < int(fields[b"Content-Length"]):
        chunk = sock.recv(65536)
        assert chunk, f"closed before the answer's end: {data[:300]!r}"
        body += chunk
    return head


@pytest.mark.parametrize(("request_line", "length", "answer"), [
    ("POST /api/takes", 3_000_000, b"HTTP/1.1 413"),  # larger than max_upload_mb: refused before its body is read
    ("GET /", 500_000, b"HTTP/1.1 200"),  # a body a GET has no use for
    ("POST /api/takes", 500_000, b"HTTP/1.1 408"),  # behind the pace: its 408's linger reads the rest
])
def test_the_stop_does_not_wait_for_a_body_read_and_dropped_after_its_answer(
        tmp_path: Path, recorder_state: Path, request_line: str, length: int, answer: bytes) -> None:
    """A request answered before its body was all read reads the rest and drops it, so that its phone, which sends
    its body whole before it reads, gets the answer rather than a reset. What it had to tell was told before its
    answer, yet the stop waited for it as for a request being handled (3 s, all of the engine's stop deadline under
    `exsampling run`) while its body trickled in. A phone on a real HTTPS connection reads its answer, then trickles
    its body on as the engine stops."""
    engine = recorder_engine(tmp_path, recorder_state, max_upload_mb=1.0, request_timeout=1.5, min_upload_kbps=1000.0)
    door = rec_of(engine).server.door
    client = Client(engine, recorder_state / "recorder-cert.pem")
    assert client.tls is not None
    sock = client.tls.wrap_socket(socket.create_connection(("127.0.0.1", client.port), timeout=10),
                                  server_hostname="127.0.0.1")
    done = threading.Event()

    def trickle() -> None:  # 2 kB/s, after the answer is read: the socket is never read and written at once
        with contextlib.suppress(OSError):
            while not done.wait(0.05):
                sock.sendall(bytes(100))

    trickler = threading.Thread(target=trickle)
    try:
        sock.sendall(f"{request_line}?token={client.token} HTTP/1.1\r\nHost: x\r\nX-Recorder: Drip\r\n"
                     f"X-Phone-Key: {client.phone_key}\r\nContent-Length: {length}\r\n\r\n".encode() + bytes(100))
        assert read_answer(sock).startswith(answer)  # the 408 once the body is 1.5 s behind the pace
        trickler.start()
        engine.stop()
        assert trickler.is_alive()  # the body still on its way as the stop returned
    finally:
        done.set()
        if trickler.is_alive():
            trickler.join(10)
        sock.close()
        engine.stop()
    assert door.waited_for == 0  # it waited for none
