"""A stuck journal lock holder that no /proc/locks line shows, replaced by another as unseen, is waited for again.

Where the holders are in another pid namespace, /proc/locks shows neither their pids nor their locks' lines: the stuck
lock was known by the journal's file alone, and a new holder that took the lock once the stuck one let go read as that
one. An append then went on at once beside the new holder's line, written under its lock (its take-back, a full disk,
cut ours). A stopped holder writes nothing: the journal grown since the last append here is another holder's, which is
now waited for. The appender runs in a pid namespace of its own; both holders are real processes outside it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_journal_stuck_holder import DEADLINE
from tests.core.test_journal_unknown_holder import LOCK_WAIT, UNSHARE, _namespaces_allowed, hold_shared, holders

__all__ = ["holders"]  # the fixture, used by name

# A live store's append: the lock taken, its line written, held meanwhile (its fsync, on a slow disk)
HOLD_WRITING = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_APPEND)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b"theirs\\n")
print("held", flush=True)
sys.stdin.read()
"""

APPENDS = """
import logging, sys, time
from pathlib import Path
from exsampling_patch.journal_lines import append_line, lock_holders
path, wait = Path(sys.argv[1]), float(sys.argv[2])
logging.basicConfig(level=logging.WARNING, format="%(message)s")

def timed(line):
    start = time.monotonic()
    append_line(path, line, drop_cut=True, lock_wait=wait)
    print(time.monotonic() - start, flush=True)

timed(b"take-1\\n")  # found stuck
assert lock_holders(path) == [], lock_holders(path)  # neither holder is named here
sys.stdin.readline()  # the stuck holder gone, another unseen one writing under the lock
timed(b"take-2\\n")
"""


@pytest.mark.skipif(not _namespaces_allowed(), reason="needs unshare with user and pid namespaces")
def test_an_unseen_holder_replaced_by_another_unseen_is_waited_for(
        holders: tuple[Path, list[subprocess.Popen[str]]]) -> None:
    path, started = holders
    hold_shared(path, started)
    appender = subprocess.Popen([*UNSHARE, sys.executable, "-c", APPENDS, str(path), str(LOCK_WAIT)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[2])
    try:
        assert appender.stdout is not None and appender.stdin is not None
        assert float(appender.stdout.readline()) >= LOCK_WAIT  # the first holder waited for, then taken for stuck
        stuck = started.pop()
        stuck.kill()
        stuck.wait(timeout=DEADLINE)  # its lock let go with it
        writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITING, str(path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        started.append(writer)
        assert writer.stdout is not None and writer.stdout.readline() == "held\n"
        appender.stdin.write("go\n")
        appender.stdin.flush()
        second = appender.stdout.readline()
        _, errors = appender.communicate(timeout=DEADLINE)
    finally:
        appender.kill()
    assert appender.returncode == 0, errors
    assert float(second) >= LOCK_WAIT, "a new holder, unseen as the stuck one was, was taken for it"
    told = errors.splitlines()
    assert len(told) == 2 and all("pid unknown" in line for line in told), told
    assert path.read_bytes() == b"take-1\ntheirs\ntake-2\n"
