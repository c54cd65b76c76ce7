"""A journal's lock held by a holder whose process cannot be told is known by its lock's line in /proc/locks.

Where /proc/locks names no holder (another pid namespace: a container beside this one), the stuck holder was once
remembered as "none known", and any later holder, unknown too, read as that one: a new holder's lock was skipped at
once. Then it was remembered not at all, and every append waited the whole wait again under the take store's lock:
each take's end stalled 5 s. Now the stuck lock is known by its line (id, kind, device:inode, range): the same lock is
not waited for again, a new one (another line) is. The appender runs here in a pid namespace of its own (its own
/proc), so that the real holders outside it are ones /proc/locks does not name. They hold shared locks, so that a
second can join the first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.test_journal_stuck_holder import DEADLINE, LONG_WAIT

UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
LOCK_WAIT = 1.0  # seconds an append that must wait waits for the unknown holder

HOLD_SHARED = """
import fcntl, sys
journal = open(sys.argv[1], "a")
fcntl.flock(journal, fcntl.LOCK_SH)
print("held", flush=True)
sys.stdin.read()
"""

APPENDS = """
import subprocess, sys, time, logging
from pathlib import Path
from exsampling_patch.journal_lines import append_line, lock_holders
path, wait, long_wait, hold = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
assert lock_holders(path) == [], lock_holders(path)  # the holder is outside this pid namespace: not named
logging.basicConfig(level=logging.WARNING, format="%(message)s")

def timed(line, lock_wait):
    start = time.monotonic()
    append_line(path, line, drop_cut=True, lock_wait=lock_wait)
    print(time.monotonic() - start, flush=True)

timed(b"take-1\\n", wait)  # found stuck
timed(b"take-2\\n", long_wait)  # the same lock: not waited for (waited, it misses the test's deadline)
joined = subprocess.Popen([sys.executable, "-c", hold, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
assert joined.stdout.readline() == "held\\n"  # a new lock beside the stuck one, its line in this /proc/locks
timed(b"take-3\\n", wait)
joined.kill()
"""


def _namespaces_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=DEADLINE).returncode == 0


@pytest.fixture
def holders(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[str]]]]:
    """A journal, and a list the test adds holders of a shared lock on it to (each killed at the end)."""
    path = tmp_path / ".processed"
    path.write_bytes(b"")
    started: list[subprocess.Popen[str]] = []
    try:
        yield path, started
    finally:
        for holder in started:
            holder.kill()
            holder.wait(timeout=DEADLINE)


def hold_shared(path: Path, started: list[subprocess.Popen[str]]) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SHARED, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    started.append(holder)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"


@pytest.mark.skipif(not _namespaces_allowed(), reason="needs unshare with user and pid namespaces")
def test_an_unknown_holder_is_waited_for_once_a_new_lock_again(
        holders: tuple[Path, list[subprocess.Popen[str]]]) -> None:
    path, started = holders
    hold_shared(path, started)
    done = subprocess.run([*UNSHARE, sys.executable, "-c", APPENDS, str(path), str(LOCK_WAIT), str(LONG_WAIT),
                           HOLD_SHARED], capture_output=True, text=True, timeout=DEADLINE,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    first, second, third = (float(line) for line in done.stdout.split())
    assert first >= LOCK_WAIT
    assert second < DEADLINE / 2, "the same stuck lock was waited for again"
    assert third >= LOCK_WAIT, "a new lock beside it was taken for the stuck one"
    told = done.stderr.splitlines()
    assert len(told) == 2 and "pid unknown" in told[0] and "the same lock" in told[0], told
    assert "not waited for again while the same holder keeps it" in told[1], told
    assert path.read_bytes() == b"take-1\ntake-2\ntake-3\n"
