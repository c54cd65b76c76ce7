"""A journal line not written whole (a full disk) is taken back alone, not with a line another appender wrote beside it.

An append that goes without the journal's lock (its holder found stuck, or another in its place that cannot be told
from it, :mod:`exsampling_patch.journal_lines`) may have another's line land between its look at the file's end and
its write, or between two parts of its write. Its take-back cut the file to the size it had looked at, and that line
went with it: the other take's end lost, the take passed on (played) again at the next start. The full disk here is a
real file size limit (RLIMIT_FSIZE: EFBIG, told as a full disk), in a process of its own; the other appender is a real
second process, run at that moment by a hook on the append's look at the last byte, or on its write (the one seam).

That second appender may be a store's own append (drop_cut, as the take store's): going without the lock too, it took
our first part for a dead writer's cut line, cut the journal back to its start and appended its line at that offset;
our take-back then wrote newlines over our offsets, now the start of its line: the journal ended
``take-1\n\n\n\nirs\n``, "theirs" lost (its take played again at the next start) and "irs" read as a take id. Nothing
shortens the journal now: a cut part is blanked in place, by its writer or by the next append, and only where it
still holds what was written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore
from tests.core.journal_holder import DEADLINE, holder_of

APPEND = """
import os, resource, signal, subprocess, sys
from pathlib import Path
from exsampling_patch.journal_lines import append_line
path, where, other = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
UNLIMITED = "import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2); "
OTHER = UNLIMITED + {  # not full there
    "write": "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND); os.write(fd, b'theirs\\\\n')",
    "store": ("from pathlib import Path; from exsampling_patch.journal_lines import append_line; "
              "append_line(Path(sys.argv[1]), b'theirs\\\\n', drop_cut=True, lock_wait=0.05)"),  # lockless too
}[other]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
room = path.stat().st_size + 3 + (len("theirs\\n") if where == "before" else 0)  # 3 bytes of ours fit, no more
resource.setrlimit(resource.RLIMIT_FSIZE, (room, resource.RLIM_INFINITY))
hooked = os.pread if where == "before" else os.write

def beside(*args):
    done = hooked(*args) if where == "after" else None  # after: the first part of ours written first
    setattr(os, hooked.__name__, hooked)  # once
    subprocess.run([sys.executable, "-c", OTHER, str(path)], check=True)
    return done if where == "after" else hooked(*args)

setattr(os, hooked.__name__, beside)
try:
    append_line(path, b"take-2\\n", drop_cut=True, lock_wait=0.05)
except OSError as error:
    print(error.strerror)
"""


@pytest.mark.parametrize(("where", "other", "left"), [("before", "write", b"take-1\ntheirs\n\n\n\n"),
                                                      ("after", "write", b"take-1\n\n\n\ntheirs\n"),
                                                      # its newline, then our cut part blanked
                                                      ("after", "store", b"take-1\n\n\n\n\ntheirs\n")])
def test_a_take_back_beside_a_holder_not_waited_for_keeps_its_line(tmp_path: Path, where: str, other: str,
                                                                   left: bytes) -> None:
    store = TakeStore(tmp_path)
    store.mark_done("take-1")
    journal = next(tmp_path.glob(".processed*"))
    holder = holder_of(journal)  # the lock's holder, taken for stuck: the append goes on without the lock
    try:
        done = subprocess.run([sys.executable, "-c", APPEND, str(journal), where, other], capture_output=True,
                              text=True, timeout=DEADLINE, cwd=Path(__file__).resolve().parents[2])
    finally:
        holder.kill()
        holder.wait(timeout=DEADLINE)
    assert done.returncode == 0 and done.stdout == "the disk is full\n", (done.stdout, done.stderr)
    assert journal.read_bytes() == left, "another appender's line was taken back with the one cut short"
    assert store.processed_ids() == {"take-1", "theirs"}
