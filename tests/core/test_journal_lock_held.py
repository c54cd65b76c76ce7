"""A journal whose lock another process holds and never lets go (stopped with SIGSTOP, a hung run on the folder).

The append waited for the lock without end: the take's end was never written and the node's handler hung. Now it
waits a bounded time, then appends without the lock and warns, naming the journal and the holder. The holder here
is a real second process holding a real flock, stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.journal_lines import append_line
from tests.core.journal_holder import DEADLINE, append_within, holder_of, stopped_holder_of


@pytest.fixture
def stopped_holder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A journal (holding one line) and the pid of another process that holds its lock and is stopped."""
    path = tmp_path / ".processed"
    path.write_bytes(b"mic-1\n")
    with stopped_holder_of(path) as holder:
        yield path, holder.pid


def test_a_line_is_appended_while_a_stopped_process_holds_the_lock(stopped_holder: tuple[Path, int],
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    path, pid = stopped_holder
    with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
        append_within(path, b"mic-2\n", lock_wait=0.2, within=DEADLINE,
                      why="the append waited for the stopped holder's lock")  # without the fix it never returns
    assert path.read_bytes() == b"mic-1\nmic-2\n"  # the take's end written
    told = [record.getMessage() for record in caplog.records]
    assert len(told) == 1 and str(path) in told[0] and str(pid) in told[0] and "without its lock" in told[0]


def test_a_lock_let_go_within_the_wait_is_taken(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / ".processed"
    holder = holder_of(path)
    closed = threading.Timer(0.1, holder.stdin.close) if holder.stdin is not None else None
    assert closed is not None
    with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
        closed.start()  # the holder lets go while the append waits
        append_line(path, b"mic-1\n", drop_cut=True, lock_wait=DEADLINE)
    holder.wait(timeout=DEADLINE)
    assert path.read_bytes() == b"mic-1\n"
    assert caplog.records == []  # waited for, not taken for stuck
