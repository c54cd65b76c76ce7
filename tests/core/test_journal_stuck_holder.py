"""A journal's lock held by a stuck holder is waited for once, not at every append.

While a stopped process held a journal's lock, every append waited the whole bounded wait (5 s) before going on
without it: the take store holds its own lock meanwhile, and a take's end runs on the thread that ended it (the
sampler's answer thread, the outbox reader), so each take stalled that thread 5 s and the takes backed up. Now a
holder found stuck is remembered: held by the same processes again, the lock is tried once and the line goes on
at once, the warning told once. A holder in this very process is told as "this process" (it was "another process
(pid unknown)"). The holders are real: a stopped second process, and an open file of this one, with real flocks.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.journal_lines import append_line
from tests.core.journal_holder import DEADLINE, append_within, stopped_holder_of

LONG_WAIT = 40.0  # an append's lock wait, far past DEADLINE / 2: waited for at all, the append misses its deadline


@pytest.fixture
def stopped_holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A journal and another process holding its lock, stopped."""
    path = tmp_path / ".processed"
    path.write_bytes(b"")
    with stopped_holder_of(path) as holder:
        yield path, holder


def test_a_stuck_holder_is_waited_for_once_and_told_once(stopped_holder: tuple[Path, subprocess.Popen[str]],
                                                         caplog: pytest.LogCaptureFixture) -> None:
    path, holder = stopped_holder
    with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
        append_within(path, b"take-1\n", lock_wait=0.2, within=DEADLINE)  # waited for, then taken for stuck
        append_within(path, b"take-2\n", lock_wait=LONG_WAIT, within=DEADLINE / 2)
        append_within(path, b"take-3\n", lock_wait=LONG_WAIT, within=DEADLINE / 2)
    assert path.read_bytes() == b"take-1\ntake-2\ntake-3\n"
    told = [record.getMessage() for record in caplog.records]
    assert len(told) == 1 and str(holder.pid) in told[0], told


def test_another_holder_after_a_stuck_one_is_waited_for(stopped_holder: tuple[Path, subprocess.Popen[str]],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    path, holder = stopped_holder
    append_within(path, b"take-1\n", lock_wait=0.2, within=DEADLINE)
    holder.kill()
    holder.wait(timeout=DEADLINE)
    caplog.clear()  # the stuck holder's warning
    released = threading.Event()
    with open(path, "a") as mine:  # another holder now: this process, letting go shortly
        fcntl.flock(mine, fcntl.LOCK_EX)

        def let_go() -> None:
            released.set()
            fcntl.flock(mine, fcntl.LOCK_UN)

        threading.Timer(0.1, let_go).start()
        with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
            append_line(path, b"take-2\n", drop_cut=True, lock_wait=DEADLINE)
    assert released.is_set()  # the append waited for the new holder and took the lock
    assert path.read_bytes() == b"take-1\ntake-2\n"
    assert caplog.records == []


def test_a_holder_in_this_process_is_told_as_this_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / ".processed"
    with open(path, "a") as mine:  # an open file of its own: another thread's append that hangs, say
        fcntl.flock(mine, fcntl.LOCK_EX)
        with caplog.at_level(logging.WARNING, logger="exsampling.journal"):
            append_line(path, b"take-1\n", drop_cut=True, lock_wait=0.1)
    assert path.read_bytes() == b"take-1\n"
    told = [record.getMessage() for record in caplog.records]
    assert len(told) == 1 and "this process" in told[0] and "unknown" not in told[0], told
