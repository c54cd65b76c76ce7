"""The recorder's stop waits (a few seconds at most) for the requests already past the token check to be answered, so
that what they tell is told before the stop returns: ``exsampling run`` reads the recorder's counts once, right after
the engine's stop, for its summary. Before, the stop did not wait: a take whose disk check was under way at the stop was
refused for the full disk (507, kept on its phone) after the summary was printed, and the summary missed it. A real
HTTPS recorder run by an engine; the take folder's free space is set by the test (a real disk's moves as others write),
and its look held until the stop waits for that take."""

from __future__ import annotations

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
        summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"))
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
    summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"))
    assert summary == ("; 1 upload from a phone to 'rec' cut off by the stop: the phone keeps that take and sends it "
                       "again when the recorder is back")
