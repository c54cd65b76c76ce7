"""``ableton_max``'s OSC sender, asked to end at a stop while it is between a send and its log line, logs it first.

Before, a stop that ran out of time (over 1,600 kept bundles, paced at 320 a second, past its 5 s) killed the sender
outright: killed between a datagram and its log line, that take had reached Live but stayed unsent in the patch's
eyes, was kept, and went to Live a second time at the next start. Now the stop asks it (SIGTERM) and it ends after
the bundle it is on. Here the sender is held in that window for certain: its report that the receiver listens again,
written between the send and the log line, waits on its pipe to the patch, kept full. Over real UDP.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.nodes import osc_sender


def frame(key: str, to: tuple[int, str, int], datagram: bytes, seq: int) -> bytes:
    body = json.dumps({"to": list(to), "key": key, "skip": False, "seq": seq}).encode() + b"\n" + datagram
    return len(body).to_bytes(4, "big") + body


def read_until(fd: int, wanted: bytes, timeout: float = 10.0) -> bytes:
    """What the sender reports on ``fd`` up to ``wanted`` (or its end)."""
    got = b""
    while wanted not in got:
        if not select.select([fd], [], [], timeout)[0]:
            raise AssertionError(f"the sender said {got!r}, not {wanted!r}")
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        got += chunk
    return got


@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="a pipe's size is set so on Linux only")
def test_a_sender_asked_to_end_between_a_send_and_its_log_line_logs_that_bundle(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # a port where nothing listens, for now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    to = (int(socket.AF_INET), "127.0.0.1", port)
    log = tmp_path / "sent.txt"
    reports, to_patch = os.pipe()
    fcntl.fcntl(to_patch, fcntl.F_SETPIPE_SZ, 4096)
    size = fcntl.fcntl(to_patch, fcntl.F_GETPIPE_SZ)
    sender = subprocess.Popen([sys.executable, "-I", "-S", osc_sender.__file__, str(log)], stdin=subprocess.PIPE,
                              stdout=to_patch, start_new_session=True)
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.settimeout(10)
    try:
        assert sender.stdin is not None
        read_until(reports, b"ready\n")
        sender.stdin.write(frame("a\tHH", to, b"first", 1))
        sender.stdin.flush()
        # the bundle's own "done" says it was refused too: its take's end tells it
        assert f"refused 127.0.0.1:{port}\n".encode() in read_until(reports, b"done 1 refused\n")
        receiver.bind(("127.0.0.1", port))  # Live opens: the next send says it listens again
        os.write(to_patch, b"x" * size)  # the patch's end of the pipe, full: that report waits
        os.close(to_patch)
        to_patch = -1
        sender.stdin.write(frame("b\tHH", to, b"second", 2))
        sender.stdin.close()  # as the stop does, first
        assert receiver.recv(100) == b"second"  # sent: its log line is not written yet
        sender.terminate()  # the stop's time is out
        said = read_until(reports, b"\0")  # all it says, to its end: the report goes on
        assert sender.wait(10) == 0
        assert log.read_text(encoding="utf-8") == "a\tHH\nb\tHH\n"
        assert said.endswith(f"listening 127.0.0.1:{port}\ndone 2\n".encode())
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
        receiver.close()
        os.close(reports)
        if to_patch != -1:
            os.close(to_patch)
