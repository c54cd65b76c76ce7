"""The rewrite of a sent log at start (kept to its newest keys): whole on disk before it replaces the log.

It was written and renamed over the log with nothing flushed, and a failure while writing it (a full disk) stopped
the start: the sender process died (``ableton_max`` sent nothing) or the node's first send raised, and the half
file stayed. Now it goes through a temporary file, flushed, renamed, the folder flushed; a failure leaves the old
log whole, the temporary file removed, and the run goes on. The power cut itself cannot be made here: what is
checked is what is left on disk. A file size limit cuts the new file short, for real (in a child process, where
the write past it fails, EFBIG, as on a full disk).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from exsampling_patch.nodes import osc_sender
from exsampling_patch.nodes.sent_log import SentLog

from .test_sent_log_cut import LIMITED

KEEP = 8
OLD = [f"take-{n:04d}\tHH" for n in range(5 * KEEP)]
"""A log past twice ``KEEP`` lines: rewritten at start to its newest ``KEEP``."""
ROOM = 60
"""Bytes a limited child may write in a file: its lock file's pids (about 40), not the new log (13 a key)."""

ADD = """
import json, sys
from pathlib import Path
from exsampling_patch.nodes.sent_log import SentLog

told = []
log = SentLog(Path(sys.argv[1]), keep=int(sys.argv[2]), report_error=told.append)
log.add("take-new\\tHH")
log.close()
print(json.dumps(told))
"""
SERVE = """
import io, sys
from pathlib import Path
from exsampling_patch.nodes.osc_sender import serve

serve(Path(sys.argv[1]), io.BytesIO(b""), sys.stdout, keep=int(sys.argv[2]))
"""


def old_log(tmp_path: Path) -> Path:
    log = tmp_path / ".sent-live.txt"
    log.write_text("".join(f"{key}\n" for key in OLD), encoding="utf-8")
    return log


def leftovers(log: Path) -> list[str]:
    return sorted(path.name for path in log.parent.iterdir() if path.name.endswith(".tmp"))


def limited(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LIMITED, str(ROOM), sys.executable, "-c", *command],
                          capture_output=True, text=True, timeout=60)


def test_the_node_s_log_is_rewritten_whole(tmp_path: Path) -> None:
    log = old_log(tmp_path)
    sent = SentLog(log, keep=KEEP)
    sent.add("take-new\tHH")
    sent.close()
    assert log.read_text(encoding="utf-8") == "".join(f"{key}\n" for key in [*OLD[-KEEP:], "take-new\tHH"])
    assert leftovers(log) == []


def test_the_sender_s_log_is_rewritten_whole(tmp_path: Path) -> None:
    log = old_log(tmp_path)
    osc_sender.serve(log, io.BytesIO(b""), io.StringIO(), keep=KEEP)
    assert log.read_text(encoding="utf-8") == "".join(f"{key}\n" for key in OLD[-KEEP:])
    assert leftovers(log) == []


def test_a_rewrite_cut_short_leaves_the_node_s_log_whole(tmp_path: Path) -> None:
    log = old_log(tmp_path)
    before = log.read_bytes()
    done = limited(ADD, str(log), str(KEEP))
    assert done.returncode == 0, done  # the start went on
    told = json.loads(done.stdout)
    assert len(told) == 1 and "the disk is full" in told[0]  # the new key's append, past the limit too
    assert log.read_bytes() == before
    assert leftovers(log) == []
    again = SentLog(log, keep=KEEP)  # the next start still knows the takes sent
    try:
        assert all(key in again for key in OLD[-KEEP:])
    finally:
        again.close()


def test_a_rewrite_cut_short_leaves_the_sender_s_log_whole(tmp_path: Path) -> None:
    log = old_log(tmp_path)
    before = log.read_bytes()
    done = limited(SERVE, str(log), str(KEEP))
    assert done.returncode == 0, done  # the sender went on to send
    assert "ready\n" in done.stdout
    assert log.read_bytes() == before
    assert leftovers(log) == []
