"""A journal's lock held by a holder whose process cannot be told is waited for at every append (bounded).

Where /proc/locks names no holder (another pid namespace: a container beside this one), the stuck holder was
remembered as "none known", and any later holder, unknown too, read as that one: a new holder's lock was skipped at
once, its line and ours written together. The appender runs here in a pid namespace of its own (its own /proc), so
that the real stopped holder outside it is one /proc/locks does not name.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_journal_stuck_holder import DEADLINE, stopped_holder

__all__ = ["stopped_holder"]  # the fixture, used below

UNSHARE = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
LOCK_WAIT = 1.0  # seconds each append waits for the unknown holder

APPENDS = """
import sys, time, logging
from pathlib import Path
from exsampling_patch.journal_lines import append_line, lock_holders
path = Path(sys.argv[1])
assert lock_holders(path) == [], lock_holders(path)  # the holder is outside this pid namespace: not named
logging.basicConfig(level=logging.WARNING, format="%(message)s")
append_line(path, b"take-1\\n", drop_cut=True, lock_wait=float(sys.argv[2]))
start = time.monotonic()
append_line(path, b"take-2\\n", drop_cut=True, lock_wait=float(sys.argv[2]))
print(time.monotonic() - start)
"""


def _namespaces_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=DEADLINE).returncode == 0


@pytest.mark.skipif(not _namespaces_allowed(), reason="needs unshare with user and pid namespaces")
def test_an_unknown_holder_is_waited_for_at_each_append(stopped_holder: tuple[Path, subprocess.Popen[str]]) -> None:
    path, _ = stopped_holder
    done = subprocess.run([*UNSHARE, sys.executable, "-c", APPENDS, str(path), str(LOCK_WAIT)], capture_output=True,
                          text=True, timeout=DEADLINE, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) >= LOCK_WAIT  # the second append waited too: not taken for the same (unknown) holder
    told = done.stderr.splitlines()
    assert len(told) == 2 and all("pid unknown" in line and "waited for at each line" in line for line in told), told
    assert path.read_bytes() == b"take-1\ntake-2\n"
