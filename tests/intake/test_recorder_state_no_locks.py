"""A recorder's state file on a file system that gives no locks (some network and FUSE mounts): the log says so, not
that another run has the file open or holds it locked (untrue: no other run may exist).

``fcntl.flock`` is refused as such a mount refuses it, by a monkeypatch: no real mount that refuses it can be made here
(tests/core/test_journal_no_locks.py says why)."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE, SeenTakes


def test_a_state_file_without_locks_is_said_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    lines = [json.dumps({"k": ["Mika", "phone", f"t{n}"], "r": {"take_id": f"take-{n}"}}) + "\n" for n in range(5)]
    (tmp_path / SEEN_FILE).write_text("".join(lines))  # more than twice the entries kept: a start rewrites it

    def refused(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refused)
    with caplog.at_level(logging.INFO, logger="exsampling.web_recorder"):
        seen = SeenTakes(tmp_path, keep=2)
        seen.close()
    said = [record.getMessage() for record in caplog.records]
    assert any("its file system gives no locks (No locks available)" in text for text in said), said
    assert not any("another run has it open" in text or "another program" in text for text in said), said
    assert (tmp_path / SEEN_FILE).read_text() == "".join(lines)  # left as it is: no run can be told to have it open
