"""The door's log names a connection's peer: over a Unix socket (a reverse proxy's, say) its peer is a path, not an
address pair, and an unnamed one's "" raised IndexError out of the stop's cut of the bodies on their way. Real Unix
sockets, the real door."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.door import Door


def cut_at_the_stop(server_side: socket.socket, caplog: pytest.LogCaptureFixture) -> str:
    """The door's log line for ``server_side``, receiving an upload's body when the stop cuts it."""
    door = Door(8, 4, 10.0, 120.0, 30.0, 12_500.0)
    assert door.admit(server_side)
    door.authenticated(server_side)
    door.reading(server_side, time.monotonic(), 0)
    with caplog.at_level(logging.INFO, logger="exsampling.web_recorder"):
        assert door.cut_receiving() == 1
    lines = [record.getMessage() for record in caplog.records if "cut off by the stop" in record.getMessage()]
    assert len(lines) == 1, caplog.records
    return lines[0]


def test_an_unnamed_unix_peer_is_a_local_socket(caplog: pytest.LogCaptureFixture) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX)
    try:
        assert cut_at_the_stop(ours, caplog).startswith("upload from a local socket cut off by the stop")
    finally:
        ours.close()
        theirs.close()


def test_a_named_unix_peer_is_its_path(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    listening = socket.socket(socket.AF_UNIX)
    phone = socket.socket(socket.AF_UNIX)
    ours = None
    try:
        listening.bind(str(tmp_path / "recorder.sock"))
        listening.listen()
        phone.bind(str(tmp_path / "phone.sock"))
        phone.connect(str(tmp_path / "recorder.sock"))
        ours, _ = listening.accept()
        assert cut_at_the_stop(ours, caplog).startswith(f"upload from {tmp_path / 'phone.sock'} cut off by the stop")
    finally:
        for sock in (ours, phone, listening):
            if sock is not None:
                sock.close()
