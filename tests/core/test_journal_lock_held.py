"""A journal whose lock another process holds and never lets go (stopped with SIGSTOP, a hung run on the folder).

The append waited for the lock without end: the take's end was never written and the node's handler hung. Now it
waits a bounded time, then appends without the lock and warns, naming the journal and the holder. The holder here
is a real second process holding a real flock, stopped.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.journal_lines import append_line

HOLD = """
import fcntl, sys
journal = open(sys.argv[1], "a")
fcntl.flock(journal, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # held until the test closes the pipe (or kills this process)
"""
DEADLINE = 60.0  # seconds: far past the bounded wait, even on a loaded machine; without the fix it never returns


@pytest.fixture
def stopped_holder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A journal (holding one line) and the pid of another process that holds its lock and is stopped."""
    path = tmp_path / ".processed"
    path.write_bytes(b"mic-1\n")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        os.kill(holder.pid, signal.SIGSTOP)
        yield path, holder.pid
    finally:
        holder.kill()  # lets go of the lock: an append still waiting (without the fix) then ends
        holder.wait(timeout=DEADLINE)


def test_a_line_is_appended_while_a_stopped_process_holds_the_lock(stopped_holder: tuple[Path, int],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    path, pid = stopped_holder
    done = threading.Event()
    errors: list[BaseException] = []

    def append() -> None:
        try:
            append_line(path, b"mic-2\n", drop_cut=True, lock_wait=0.2)
        except BaseException as error:  # told to the test below
            errors.append(error)
        done.set()

    with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
        threading.Thread(target=append, daemon=True).start()
        assert done.wait(DEADLINE), "the append waited for the stopped holder's lock"
    assert errors == []
    assert path.read_bytes() == b"mic-1\nmic-2\n"  # the take's end written
    told = [record.getMessage() for record in caplog.records]
    assert len(told) == 1 and str(path) in told[0] and str(pid) in told[0] and "without its lock" in told[0]


def test_a_lock_let_go_within_the_wait_is_taken(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / ".processed"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    closed = threading.Timer(0.1, holder.stdin.close) if holder.stdin is not None else None
    assert closed is not None
    with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
        closed.start()  # the holder lets go while the append waits
        append_line(path, b"mic-1\n", drop_cut=True, lock_wait=DEADLINE)
    holder.wait(timeout=DEADLINE)
    assert path.read_bytes() == b"mic-1\n"
    assert caplog.records == []  # waited for, not taken for stuck
