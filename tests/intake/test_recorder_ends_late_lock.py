"""A phone-list row that comes after its table's close is appended under the file's shared lock, and no table's wait
for that lock holds up the rows of other recorders.

A late row was appended with no lock: another process's start rewriting the file (under its exclusive lock) renamed
its rewrite over the file the row had just gone into, and the row was lost. A table opening waited up to ``lock_wait``
seconds for its file's lock while holding the process's one lock over opening tables: every other recorder's late row
(and every table's opening) waited with it. Real files, real flock held by another process."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds

#: Another process's start rewriting the file: under its exclusive lock, told on stdout, then, on a line on stdin, the
#: rewrite renamed over the file (its rows kept), the lock let go as it exits.
REWRITER = """
import fcntl, os, sys
path = sys.argv[1]
file = open(path, "ab")
fcntl.flock(file.fileno(), fcntl.LOCK_EX)
text = open(path).read()
print("locked", flush=True)
sys.stdin.readline()
with open(path + ".new", "w") as new:
    new.write(text)
os.replace(path + ".new", path)
"""


def _row(take_id: str) -> dict[str, Any]:
    return {"take_id": take_id, "recorder": "Mika", "status": "done"}


def _locked(path: Path) -> subprocess.Popen[str]:
    other = subprocess.Popen([sys.executable, "-c", REWRITER, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None and other.stdout.readline().strip() == "locked"
    return other


def _go(other: subprocess.Popen[str]) -> None:
    assert other.stdin is not None
    other.stdin.write("go\n")
    other.stdin.flush()
    assert other.wait(30) == 0


def test_a_late_row_waits_for_another_processs_rewrite(tmp_path: Path) -> None:
    ends = TakeEnds(tmp_path, lock_wait=30)
    ends.write("phone", _row("before"))
    ends.close()
    other = _locked(tmp_path / ENDS_FILE)
    writing = threading.Thread(target=lambda: ends.write("phone", _row("late")))
    try:
        writing.start()
        writing.join(0.5)  # unlocked, it is written by now, into the file about to be replaced
    finally:
        _go(other)
    writing.join(30)
    assert not writing.is_alive()
    taken = [row["take_id"] for _, row in TakeEnds(tmp_path).rows()]
    assert taken == ["before", "late"], taken


def test_a_table_waiting_for_its_lock_holds_up_no_other_recorders_late_row(tmp_path: Path) -> None:
    waiting_folder, other_folder = tmp_path / "waiting", tmp_path / "other"
    waiting_folder.mkdir()
    (waiting_folder / ENDS_FILE).touch()
    closed = TakeEnds(other_folder)
    closed.close()
    other = _locked(waiting_folder / ENDS_FILE)
    opened: list[TakeEnds] = []
    try:
        opening = threading.Thread(target=lambda: opened.append(TakeEnds(waiting_folder, lock_wait=15)))
        opening.start()
        opening.join(0.3)  # in its wait for the lock by now
        writing = threading.Thread(target=lambda: closed.write("phone", _row("late")))
        writing.start()
        writing.join(10)
        assert not writing.is_alive(), "another recorder's late row waited for the opening table's lock"
        assert opening.is_alive()  # still waiting: the row did not wait for it
    finally:
        _go(other)
    opening.join(30)
    assert opened
    opened[0].close()
    assert [row["take_id"] for _, row in TakeEnds(other_folder).rows()] == ["late"]
