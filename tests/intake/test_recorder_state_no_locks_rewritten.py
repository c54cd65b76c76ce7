"""A recorder's state file on a file system that gives no locks (some network and FUSE mounts) is still rewritten
shorter at a start no other run of this machine shares, once no run has written to it for an hour: its lock is taken
on a file of this machine standing in, which sees no run of another machine sharing the folder.

Before, such a file was never rewritten: it grew with every take for as long as the state folder was used. A run of
this machine holding it open still keeps it as it is (a rewrite lost the lines that run appends). ``fcntl.flock`` is
refused on the state folder only, as such a mount refuses it, by a monkeypatch (tests/core/test_journal_no_locks.py
says why no real one can be made here); the stand-in's folder, the machine's temporary one, gives locks."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import tempfile
import time
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE, STAND_IN_QUIET, SeenTakes


def test_a_state_file_without_locks_is_rewritten_where_no_run_of_this_machine_has_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, machine = tmp_path / "state", tmp_path / "tmp"
    state.mkdir()
    machine.mkdir()
    lines = [json.dumps({"k": ["Mika", "phone", f"t{n}"], "r": {"take_id": f"take-{n}"}}) + "\n" for n in range(5)]
    (state / SEEN_FILE).write_text("".join(lines))  # more than twice the entries kept: a start rewrites it
    quiet = time.time() - STAND_IN_QUIET - 60
    os.utime(state / SEEN_FILE, (quiet, quiet))  # written to by no run for over an hour
    flock = fcntl.flock

    def refused_in_state(fd: int, operation: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(state)):
            raise OSError(errno.ENOLCK, "No locks available")
        flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", refused_in_state)
    monkeypatch.setattr(tempfile, "tempdir", str(machine))
    running = SeenTakes(state, keep=10)  # another run of this machine: keeps all five, no rewrite
    try:
        starting = SeenTakes(state, keep=2)
        starting.close()
        assert (state / SEEN_FILE).read_text() == "".join(lines)  # left as it is: the other run has it
    finally:
        running.close()
    # Changed within the hour: a run of another machine sharing the folder, which the stand-in does not see, may be
    # appending to it (a rewrite lost its lines)
    os.utime(state / SEEN_FILE)
    SeenTakes(state, keep=2).close()
    assert (state / SEEN_FILE).read_text() == "".join(lines)
    os.utime(state / SEEN_FILE, (quiet, quiet))
    SeenTakes(state, keep=2).close()
    assert (state / SEEN_FILE).read_text() == "".join(lines[3:])  # rewritten: the two kept, the latest
