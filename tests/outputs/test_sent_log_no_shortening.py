"""The sent log's append shortens the file no more than the journals' (exsampling_patch/journal_lines.py): a line
cut short by a full disk is taken back as blank lines in place, never by cutting the file back to its size before.

Cut back, another appender's line that landed between the look at the log's end and our write went with ours: the
sender holds the log's lock all run, yet a process appending without it (the lock refused on a network mount, a
holder taken for stuck) lost its key, and that take went to Live a second time after a restart. Real appends in a
child process: the other appender a second process run at the seam (a hook on the sender's write), the full disk a
real file size limit (EFBIG, as ENOSPC)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exsampling_patch.nodes.osc_sender import read_sent

REPO = Path(__file__).resolve().parents[2]

APPEND = """
import os, resource, signal, subprocess, sys
from pathlib import Path
from exsampling_patch.nodes.osc_sender import append_key, open_log

OTHER = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2); "
         "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND); os.write(fd, b'theirs\\\\tHH\\\\n')")
log = Path(sys.argv[1])
fd = open_log(log)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
room = log.stat().st_size + len("theirs\\tHH\\n") + 3  # theirs fits, and 3 bytes of ours
resource.setrlimit(resource.RLIMIT_FSIZE, (room, resource.RLIM_INFINITY))
write = os.write

def beside(*args):
    os.write = write  # once: the other appender's line lands between the look at the end and our write
    subprocess.run([sys.executable, "-c", OTHER, str(log)], check=True)
    return write(*args)

os.write = beside
try:
    append_key(fd, "take-b\\tHH", log)
except OSError as error:
    print(error.strerror)
"""


def test_a_line_taken_back_keeps_the_line_another_appended_meanwhile(tmp_path: Path) -> None:
    log = tmp_path / ".sent-max.txt"
    log.write_bytes(b"take-a\tHH\n")
    done = subprocess.run([sys.executable, "-c", APPEND, str(log)], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done
    assert "the disk is full" in done.stdout, done
    keys, _ = read_sent(log)
    assert list(keys) == ["take-a\tHH", "theirs\tHH"], log.read_bytes()  # theirs kept; no part of ours a key
    assert log.read_bytes() == b"take-a\tHH\ntheirs\tHH\n\n\n\n", log.read_bytes()  # ours blanked in place
