"""The kept takes' lock held by a stopped holder whose pid /proc/locks does not name (another pid namespace: a
container beside this one) is waited for once, not at every append, read and take-over.

A stuck holder was remembered by its pids alone, and only where some were named: an unseen one was never remembered,
and each append (each stop), each start's sweep and take-over waited the whole LOCK_WAIT (1 s) for it again. It is
now known by its lock's identity. The appender runs in a pid namespace of its own; the holder is a real process
outside it, holding a real flock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.nodes.kept_bundles import LOCK_WAIT, read_kept
from tests.core.test_journal_stuck_holder import DEADLINE, LONG_WAIT
from tests.core.test_journal_unknown_holder import UNSHARE, _namespaces_allowed, hold_shared

APPENDS = """
import json, sys, time
from pathlib import Path
from exsampling_patch.journal_lines import lock_holders
from exsampling_patch.nodes import kept_bundles
from exsampling_patch.nodes.kept_bundles import Bundle, LockHeld, append_kept
path, long_wait = Path(sys.argv[1]), float(sys.argv[2])
assert lock_holders(path.with_name(path.name + ".lock")) == []  # the holder is outside this pid namespace

def timed(datagram):
    start = time.monotonic()
    try:
        append_kept(path, [Bundle((2, "127.0.0.1", 9), datagram, "", False)])
    except LockHeld as held:
        print(json.dumps([time.monotonic() - start, str(held), held.aside is not None]), flush=True)
    else:
        raise AssertionError("the lock was free")

timed(b"take 1")  # found stuck: waited for
kept_bundles.LOCK_WAIT = long_wait  # waited for again, the append misses the test's deadline
timed(b"take 2")
"""


@pytest.mark.skipif(not _namespaces_allowed(), reason="needs unshare with user and pid namespaces")
def test_an_unseen_stuck_holder_is_waited_for_once(tmp_path: Path) -> None:
    unsent = tmp_path / ".sent-live.txt.unsent"
    started: list[subprocess.Popen[str]] = []
    try:
        hold_shared(unsent.with_name(unsent.name + ".lock"), started)
        done = subprocess.run([*UNSHARE, sys.executable, "-c", APPENDS, str(unsent), str(LONG_WAIT)],
                              capture_output=True, text=True, timeout=DEADLINE, cwd=Path(__file__).resolve().parents[2])
    finally:
        for holder in started:
            holder.kill()
            holder.wait(timeout=DEADLINE)
    assert done.returncode == 0, done.stderr
    (first, told_first, aside_first), (second, told_second, aside_second) = map(json.loads, done.stdout.splitlines())
    assert first >= LOCK_WAIT and "is held by another process (its pid unknown)" in told_first, told_first
    assert second < DEADLINE / 2, "the same unseen holder was waited for again"
    assert "is still held by another process (its pid unknown)" in told_second, told_second
    assert aside_first and aside_second  # written aside, each: nothing lost by not waiting
    assert sorted(bundle.datagram for bundle in read_kept(unsent)[0]) == [b"take 1", b"take 2"]
