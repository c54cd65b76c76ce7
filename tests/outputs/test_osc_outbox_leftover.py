"""A stop that writes its kept takes aside (their lock held too long) writes ``..<kept>.aside-<...>.tmp`` and then
renames it; a crash between the two left that file, which nothing read or removed: the takes in it were never sent
and a sweep removed their copies. The next start now gives it its aside name once its writer is gone (its pid ended,
or older than :data:`LEFTOVER_AGE`): its whole records are sent, a record the crash cut short is told, and the
sweep keeps the copies they name. One whose writer may still be writing it is left alone.

The crash cannot be timed without hooks into the writer, so the tests lay down what it leaves: the records written
by a process that ended before renaming them, the last one cut short."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.kept_bundles import LEFTOVER_AGE, Bundle
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path
from exsampling_patch.nodes.take_files import TakeFiles

from .helpers import receive_all


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def leftover(live: Path, to: tuple[str, int], pid: int, payloads: list[bytes], cut: bytes = b"") -> Path:
    """What a stop by process ``pid`` leaves when it crashes after writing ``payloads`` (and ``cut``, cut short) to
    its temporary aside file, before renaming it; their copies, old enough for a sweep to remove unless named."""
    live.mkdir(exist_ok=True)
    old = time.time() - 3600
    records = []
    for payload in [*payloads, cut] if cut else payloads:
        copy = live / f"{payload.decode()}.wav"
        copy.write_bytes(b"RIFF")
        os.utime(copy, (old, old))
        records.append(Bundle((socket.AF_INET, *to), payload, f"{payload.decode()}\tHH", False,
                              (str(copy),)).record())
    if cut:
        records[-1] = records[-1][:len(records[-1]) // 2]
    tmp = live / f"..sent-live.txt.unsent.aside-{time.strftime('%Y%m%d-%H%M%S')}-{pid}-{time.monotonic_ns()}.tmp"
    tmp.write_bytes(b"".join(records))
    return tmp


def ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_crashed_stops_temporary_aside_file_is_sent_at_the_next_start(
        tmp_path: Path, receiver: socket.socket) -> None:
    to = receiver.getsockname()
    live = tmp_path / "live"
    tmp = leftover(live, to, ended_pid(), [b"one", b"two"], cut=b"three")
    written = tmp.read_bytes()
    log = live / ".sent-live.txt"

    assert TakeFiles(live).sweep() == 1  # the cut record's copy: nothing readable names it
    assert (live / "one.wav").exists() and (live / "two.wav").exists()
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert outbox.start((socket.AF_INET, to)) == 2, errors
    assert receive_all(receiver, first=10.0) == [b"one", b"two"]
    assert outbox.close() == 0
    assert len(errors) == 1 and "record 3" in errors[0] and "cut short" in errors[0], errors
    assert not tmp.exists() and not unsent_path(log).exists() and not list(live.glob("*.aside-*"))
    (damaged,) = live.glob(".sent-live.txt.unsent.damaged-*")  # all it held, the cut record too, kept for a look
    assert damaged.read_bytes() == written


def test_a_temporary_aside_file_its_writer_may_still_write_is_left_until_it_is_old(
        tmp_path: Path, receiver: socket.socket) -> None:
    to = receiver.getsockname()
    live = tmp_path / "live"
    tmp = leftover(live, to, os.getpid(), [b"one", b"two"])  # a live writer, just now
    written = tmp.read_bytes()
    log = live / ".sent-live.txt"

    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert outbox.start((socket.AF_INET, to)) == 0
    assert outbox.close() == 0
    assert tmp.read_bytes() == written and receive_all(receiver) == []

    old = time.time() - LEFTOVER_AGE - 1  # its writer never renamed it: whatever holds that pid, it crashed
    os.utime(tmp, (old, old))
    again = Outbox(log, errors.append)
    assert again.start((socket.AF_INET, to)) == 2
    assert receive_all(receiver, first=10.0) == [b"one", b"two"]
    assert again.close() == 0 and not tmp.exists() and not list(live.glob("*.aside-*")) and errors == []
