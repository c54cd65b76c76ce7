"""The outputs' sent logs after a full disk cut a line short: nothing is sent twice, and the node says so.

A full disk cut the key's line short and the write said nothing but its count: the next key ran on from the cut one,
neither was read back, and a take redone after a restart went to Live (or the OSC target) a second time. Now a line
not written whole is taken back and told, in words naming the log and the full disk. A file size limit cuts the
line here, for real (in a child process, where the write past it fails, EFBIG, as on a full disk).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes import osc_sender
from exsampling_patch.nodes.ableton import AbletonOsc
from exsampling_patch.nodes.sent_log import SentLog
from exsampling_patch.takes import write_take

from .helpers import receive_all, sine_take

LIMITED = """
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # stays ignored past exec: the write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
os.execv(sys.argv[2], sys.argv[2:])
"""

ADD_CUT = """
import json, sys
from pathlib import Path
from exsampling_patch.nodes.sent_log import SentLog

told = []
log = SentLog(Path(sys.argv[1]), report_error=told.append)
log.add("take-b\\tHH")
log.close()
print(json.dumps(told))
"""


FIRST = [f"take-a{n}\tHH" for n in range(8)]
"""The keys written before the cut: a log longer than its lock file's text (the pids), which the limit must allow."""


def limited(log: Path, room: int, *command: str) -> list[str]:
    """``command`` run with room for ``room`` more bytes in ``log`` (and in each file it writes)."""
    return [sys.executable, "-c", LIMITED, str(log.stat().st_size + room), sys.executable, *command]


def test_a_key_added_after_a_line_cut_short_is_read_back(tmp_path: Path) -> None:
    log_path = tmp_path / ".sent-live.txt"
    log = SentLog(log_path)
    for key in FIRST:
        log.add(key)
    log.close()
    cut = subprocess.run(limited(log_path, 5, "-c", ADD_CUT, str(log_path)), capture_output=True, text=True,
                         timeout=60)
    assert cut.returncode == 0, cut
    told = json.loads(cut.stdout)
    assert len(told) == 1 and str(log_path) in told[0] and "the disk is full" in told[0], cut
    # the cut line taken back, made blank lines in place (nothing shortens the log): no part of it reads as a key
    assert log_path.read_text(encoding="utf-8") == "".join(f"{key}\n" for key in FIRST) + "\n" * 5
    log = SentLog(log_path)  # room again
    log.add("take-c\tHH")
    log.close()
    again = SentLog(log_path)  # the next start: take-c, redone, is not sent to Live again
    try:
        assert "take-c\tHH" in again and all(key in again for key in FIRST) and "take-b\tHH" not in again
    finally:
        again.close()


def test_a_line_left_cut_short_is_dropped_before_the_next_key(tmp_path: Path) -> None:
    """As an older run left it (its cut line never taken back): ended, ``take-b\\tH`` would read as a key of its own
    (test_sent_log_part_key.py)."""
    log_path = tmp_path / ".sent-live.txt"
    log_path.write_bytes(b"take-a\tHH\ntake-b\tH")
    log = SentLog(log_path)
    try:
        assert "take-b\tH" not in log
        log.add("take-c\tHH")
    finally:
        log.close()
    assert log_path.read_bytes() == b"take-a\tHH\n" + b"\n" * len(b"take-b\tH") + b"\ntake-c\tHH\n"  # blanked, not cut
    again = SentLog(log_path)
    try:
        assert "take-c\tHH" in again and "take-a\tHH" in again and "take-b\tH" not in again
    finally:
        again.close()


def frame(key: str, to: tuple[int, str, int], datagram: bytes, seq: int) -> bytes:
    body = json.dumps({"to": list(to), "key": key, "skip": True, "seq": seq}).encode() + b"\n" + datagram
    return len(body).to_bytes(4, "big") + body


def sender(command: list[str], frames: bytes) -> str:
    """What a sender said, handed ``frames`` then its pipe closed (as a patch's stop does)."""
    done = subprocess.run(command, input=frames, capture_output=True, timeout=60)
    assert done.returncode == 0, done
    return done.stdout.decode()


def received(receiver: socket.socket) -> list[bytes]:
    """The datagrams waiting (the senders have exited: on this machine's loopback each is there once sent)."""
    got = []
    while True:
        try:
            got.append(receiver.recv(100))
        except BlockingIOError:
            return got


def test_the_osc_sender_sends_nothing_twice_after_a_line_cut_short(tmp_path: Path) -> None:
    log = tmp_path / ".sent-max.txt"
    plain = [sys.executable, "-I", "-S", osc_sender.__file__, str(log)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.setblocking(False)
        to = (int(socket.AF_INET), "127.0.0.1", receiver.getsockname()[1])
        sender(plain, b"".join(frame(key, to, b"a", seq) for seq, key in enumerate(FIRST)))
        said = sender(limited(log, 5, *plain[1:]), frame("take-b\tHH", to, b"b", 1))
        assert f"error a take sent was not written to its sent log {log}: the disk is full" in said, said
        assert "done 1\n" in said  # sent all the same
        assert log.read_text(encoding="utf-8") == "".join(f"{key}\n" for key in FIRST) + "\n" * 5
        sender(plain, frame("take-c\tHH", to, b"c", 1))
        assert received(receiver) == [b"a"] * len(FIRST) + [b"b", b"c"]
        # A restart: the source redoes take-c and take-a0, which went before.
        said = sender(plain, frame("take-c\tHH", to, b"c", 1) + frame(FIRST[0], to, b"a", 2))
        assert "skipped take-c\tHH\n" in said and f"skipped {FIRST[0]}\n" in said, said
        assert received(receiver) == []


def test_ableton_osc_tells_a_key_its_full_disk_did_not_take(tmp_path: Path) -> None:
    """The log on a disk with no room at all (``/dev/full``, where each write fails as on a full disk): the take
    goes to Live, and the node's error names the log and the full disk. Before, it was the system's words alone
    ("No space left on device"), which named no file."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:  # Live
        receiver.bind(("127.0.0.1", 0))
        node = AbletonOsc("live", {"port": receiver.getsockname()[1], "reply_port": 0, "folder": str(tmp_path)})
        node.start()
        log = tmp_path / ".sent-live.txt"
        try:
            log.symlink_to("/dev/full")  # after the start's read of the log: read, it never ends
            take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "take.wav").derive(meta={"stored_at": 1.0})
            node.on_assignment(SlotAssignment("HH", take))
        finally:
            node.stop()
            log.unlink()
        assert receive_all(receiver, quiet=0.5) != []
    errors = [str(error) for error in node.context.errors]
    assert len(errors) == 1 and str(log) in errors[0] and "the disk is full" in errors[0], errors
