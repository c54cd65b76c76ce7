"""A sent log's line left cut short (a full disk, its take-back failed too, or a run before there was one) is read
as no key, and the next key blanks it (in place: nothing shortens the log, test_sent_log_no_shortening).

Read back, ``take-1\\tH`` cut from ``take-1\\tHH`` was a key: a take ``take-1`` later sent to slot ``H`` was skipped
as sent, and never reached Live. Ended by the next key, the cut line stayed a key for good; a line cut inside a
character made the whole log unreadable (the sender died at its start).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from exsampling_patch.nodes import osc_sender
from exsampling_patch.nodes.osc_outbox import read_sent
from exsampling_patch.nodes.sent_log import SentLog

from .test_sent_log_cut import frame, received


def test_a_last_line_without_its_newline_is_no_key(tmp_path: Path) -> None:
    log = tmp_path / ".sent-max.txt"
    log.write_bytes(b"take-0\tHH\ntake-1\tH")
    assert list(read_sent(log)[0]) == ["take-0\tHH"]


def test_a_line_that_is_no_whole_key_is_no_key(tmp_path: Path) -> None:
    """Cut short, then ended by a run before the take-back: before its tab, after it, or inside a character."""
    log = tmp_path / ".sent-max.txt"
    log.write_bytes(b"take-0\tHH\ntake-1\ntake-2\t\n" + "take-3\t\u00e9".encode()[:-1] + b"\ntake-4\tBD\n")
    sent, lines = read_sent(log)
    assert list(sent) == ["take-0\tHH", "take-4\tBD"] and lines == 5


def test_the_osc_sender_sends_a_take_whose_key_a_cut_line_begins(tmp_path: Path) -> None:
    log = tmp_path / ".sent-max.txt"
    log.write_bytes(b"take-0\tHH\ntake-1\tH")  # take-1's key for slot HH, cut short
    command = [sys.executable, "-I", "-S", osc_sender.__file__, str(log)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.setblocking(False)
        to = (int(socket.AF_INET), "127.0.0.1", receiver.getsockname()[1])
        frames = frame("take-1\tH", to, b"to H", 1) + frame("take-0\tHH", to, b"again", 2)
        said = subprocess.run(command, input=frames, capture_output=True, timeout=60)
        assert said.returncode == 0, said
        assert b"skipped take-0\tHH\n" in said.stdout and b"skipped take-1" not in said.stdout, said
        assert received(receiver) == [b"to H"]
        # the cut line blanked in place (nothing shortens the log), not ended
        assert log.read_bytes() == b"take-0\tHH\n" + b"\n" * len(b"take-1\tH") + b"\ntake-1\tH\n"
        said = subprocess.run(command, input=frame("take-1\tH", to, b"to H", 1), capture_output=True, timeout=60)
        assert b"skipped take-1\tH\n" in said.stdout, said  # it went: a redo after a restart is skipped
        assert received(receiver) == []


def test_a_cut_line_longer_than_one_read_is_dropped_whole(tmp_path: Path) -> None:
    """The line's start is looked for back from the end a block at a time."""
    log_path = tmp_path / ".sent-live.txt"
    log_path.write_bytes(b"take-0\tHH\n" + b"x" * 10_000)
    log = SentLog(log_path)
    try:
        log.add("take-1\tHH")
    finally:
        log.close()
    assert log_path.read_bytes() == b"take-0\tHH\n" + b"\n" * 10_001 + b"take-1\tHH\n"  # blanked in place
    assert list(read_sent(log_path)[0]) == ["take-0\tHH", "take-1\tHH"]
