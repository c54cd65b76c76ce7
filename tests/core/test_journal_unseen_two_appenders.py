"""An unseen stuck journal lock holder, with another appender beside: each append waited 5 s; now two waits at most.

Where the stuck holder is in another pid namespace, /proc/locks shows no pid and no line for it, and the journal grown
since the last append here was taken for a new holder's write (test_journal_unseen_replaced), waited for. Another
appender going past the same stuck holder (a second run on the folder) grows the journal between every two of ours:
each of our appends waited the whole wait again, each take's end stalled. Now growth is waited for once more; the
same lock found stuck again, it tells nothing and is not waited for. Real processes: the appender in a pid namespace
of its own, the stuck holder outside it, and the other appender (this test's process) appending with its own lock.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.journal_lines import append_line
from tests.core.test_journal_stuck_holder import DEADLINE, LONG_WAIT
from tests.core.test_journal_unknown_holder import LOCK_WAIT, UNSHARE, _namespaces_allowed, hold_shared, holders

__all__ = ["holders"]  # the fixture, used by name

# Each line's append, timed, once the test says the other appender's line is in
APPENDS = """
import sys, time
from pathlib import Path
from exsampling_patch.journal_lines import append_line, lock_holders
path, wait, long_wait = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
assert lock_holders(path) == [], lock_holders(path)  # the stuck holder is not named here
for n, lock_wait in enumerate((wait, wait, long_wait, long_wait), 1):
    sys.stdin.readline()
    start = time.monotonic()
    append_line(path, b"take-%d\\n" % n, drop_cut=True, lock_wait=lock_wait)
    print(time.monotonic() - start, flush=True)
"""


@pytest.mark.skipif(not _namespaces_allowed(), reason="needs unshare with user and pid namespaces")
def test_an_unseen_stuck_holder_is_not_waited_for_at_each_append_beside_another_appender(
        holders: tuple[Path, list[subprocess.Popen[str]]]) -> None:
    path, started = holders
    hold_shared(path, started)
    appender = subprocess.Popen([*UNSHARE, sys.executable, "-c", APPENDS, str(path), str(LOCK_WAIT), str(LONG_WAIT)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=Path(__file__).resolve().parents[2])
    took = []
    try:
        assert appender.stdin is not None and appender.stdout is not None
        for n in range(1, 5):
            append_line(path, b"other-%d\n" % n, drop_cut=True, lock_wait=0.1)  # the other appender: it sees the pid
            appender.stdin.write("go\n")
            appender.stdin.flush()
            took.append(float(appender.stdout.readline() or "nan"))
        _, errors = appender.communicate(timeout=DEADLINE)
    finally:
        appender.kill()
        appender.wait(timeout=DEADLINE)
    assert appender.returncode == 0, errors
    assert took[0] >= LOCK_WAIT and took[1] >= LOCK_WAIT, took  # found stuck; grown since: waited for once more
    assert took[2] < LONG_WAIT / 2 and took[3] < LONG_WAIT / 2, f"waited for the same stuck lock again: {took}"
    assert path.read_bytes() == b"".join(b"other-%d\ntake-%d\n" % (n, n) for n in range(1, 5))
