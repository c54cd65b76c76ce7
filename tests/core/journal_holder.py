"""The rig of the tests of a journal whose lock another process holds (test_journal_lock_held,
test_journal_stuck_holder): a real second process holding a real flock on the journal, stopped or not, and an append
on a thread of its own that must return in time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from exsampling_patch.journal_lines import append_line

HOLD = """
import fcntl, sys
journal = open(sys.argv[1], "a")
fcntl.flock(journal, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # held until the test closes the pipe (or kills this process)
"""
DEADLINE = 60.0  # seconds for anything that should take milliseconds, even on a loaded machine


def holder_of(path: Path) -> subprocess.Popen[str]:
    """Another process that holds the lock of the journal ``path`` once this returns, until its stdin is closed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    except BaseException:
        _ended(holder)
        raise
    return holder


def _ended(holder: subprocess.Popen[str]) -> None:
    holder.kill()  # lets go of the lock: an append still waiting (without the fix) then ends
    holder.wait(timeout=DEADLINE)


@contextlib.contextmanager
def stopped_holder_of(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock of the journal ``path``, stopped (SIGSTOP), for the block; killed after it
    (letting go of the lock: an append still waiting then ends)."""
    holder = holder_of(path)
    try:
        os.kill(holder.pid, signal.SIGSTOP)
        yield holder
    finally:
        _ended(holder)


def append_within(path: Path, line: bytes, lock_wait: float, within: float,
                  why: str = "the append of {line!r} waited for the lock again") -> None:
    """Append ``line`` on a thread of its own; fails (saying ``why``) unless it returned within ``within`` seconds,
    and raised nothing."""
    done = threading.Event()
    errors: list[BaseException] = []

    def append() -> None:
        try:
            append_line(path, line, drop_cut=True, lock_wait=lock_wait)
        except BaseException as error:  # told below
            errors.append(error)
        done.set()

    threading.Thread(target=append, daemon=True).start()
    assert done.wait(within), why.format(line=line)
    assert errors == []
