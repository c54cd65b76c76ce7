"""The start's rewrite of the seen-takes file (once it holds more than twice ``keep`` lines), with the file shared or
the folder taking no new file. Real files and real ``flock`` locks: two tables on one folder lock as two runs do
(a lock belongs to the open file, not the process).

Before: a start rewrote the file while another run had it open; that run's lines appended after it went to the file
replaced, and a retry of those takes after the next start was stored again. A rewrite that failed (a full disk, a
folder taking no new file) raised out of the table, and the recorder did not start."""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE, SeenTakes


def key(i: int) -> tuple[str, str, str]:
    return ("Ana", "phone", f"t{i}")


def filled(state: Path, count: int) -> None:
    table = SeenTakes(state)
    for i in range(count):
        table.remember(key(i), {"take_id": f"T{i}"})
    table.close()


def lines(state: Path) -> int:
    return len((state / SEEN_FILE).read_text().splitlines())


def test_a_start_leaves_the_file_another_run_has_open(tmp_path: Path) -> None:
    state = tmp_path / "state"
    filled(state, 5)
    running = SeenTakes(state)  # a run: it has the file open
    starting = SeenTakes(state, keep=2)  # another run's start on the same folder: more than 2 * 2 lines, a rewrite
    running.remember(key(5), {"take_id": "T5"})
    starting.remember(key(6), {"take_id": "T6"})
    running.close()
    starting.close()
    later = SeenTakes(state, keep=10)
    try:
        assert key(5) in later and key(6) in later  # neither run's line lost
    finally:
        later.close()
    alone = SeenTakes(state, keep=2)  # no other run: rewritten shorter, its newest kept
    alone.close()
    assert lines(state) == 2


@pytest.fixture
def no_new_files(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path/state``, whose files can be appended to but in which no new file can be made (immutable, as root;
    read-only otherwise); writable again after the test."""
    state = tmp_path / "state"
    state.mkdir()
    root = os.geteuid() == 0
    try:
        yield state
    finally:
        if root:
            subprocess.run(["chattr", "-i", str(state)], check=False)
        state.chmod(0o755)


def lock_folder(state: Path) -> None:
    if os.geteuid() != 0:
        state.chmod(0o555)
        return
    done = subprocess.run(["chattr", "+i", str(state)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"running as root, and chattr +i failed: {done.stderr.strip()}")


def test_a_rewrite_that_fails_is_told_and_every_take_kept(no_new_files: Path) -> None:
    state = no_new_files
    filled(state, 5)
    lock_folder(state)
    told: list[str] = []
    table = SeenTakes(state, keep=2, tell=told.append)
    try:
        assert len(told) == 1 and f"{state / SEEN_FILE} could not be rewritten shorter" in told[0], told
        assert "every take it holds is kept" in told[0]
        table.remember(key(5), {"take_id": "T5"})  # appended to as it is
    finally:
        table.close()
    assert lines(state) == 6
    again = SeenTakes(state, keep=10)
    try:
        assert all(key(i) in again for i in range(6))
    finally:
        again.close()


def test_a_file_held_locked_by_another_program_is_no_hang(tmp_path: Path) -> None:
    state = tmp_path / "state"
    filled(state, 5)
    with open(state / SEEN_FILE, "rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)  # held, never let go while the table starts
        began = time.monotonic()
        table = SeenTakes(state, keep=2, lock_wait=0.2)
        waited = time.monotonic() - began
        table.remember(key(5), {"take_id": "T5"})
        table.close()
    assert waited < 10.0, waited  # gone on without the lock, not waiting for ever
    assert lines(state) == 6  # not rewritten under the other program
