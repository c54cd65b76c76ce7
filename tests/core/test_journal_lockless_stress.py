"""Two processes appending to one journal without its lock lose no line.

Where an append goes without the lock (a file system that gives none, or a holder taken for stuck), another's write
may be under way when it looks at the file's end: on ext4 a line that crosses a page boundary shows its first part
for a moment. A ``drop_cut`` append took that first part for a dead writer's fragment and blanked it: the other's
line lost (its take passed on again at the next start) and its rest read back as an id. Two real processes append
through the real :func:`~exsampling_patch.journal_lines.append_line`, the lock refused as such a file system refuses
it (``fcntl.flock`` raising ENOLCK); every line each was told was written must be there, whole, and nothing else.
That look comes by chance (the reviewer's run lost 1,331 of 292,784 lines; a short run here may lose none), so
:func:`test_a_line_under_way_at_the_look_is_left_whole` makes it every time, at the seam.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exsampling_patch.takes import TakeStore
from tests.core.journal_holder import DEADLINE

APPENDS = 1500  # each: ~1.5 s here, some 2% of the looks seeing a line half written (a probe's count)
LINE = 3000  # bytes a line: most cross a 4 KiB page, whose first part ext4 shows before the rest

APPENDER = """
import errno, fcntl, sys
from pathlib import Path
from exsampling_patch.journal_lines import append_line

def refused(fd, operation):
    raise OSError(errno.ENOLCK, "no locks here")

fcntl.flock = refused  # a file system without locks: every append goes without one
path, tag, count, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.stdin.readline()  # both start together
for n in range(count):
    line = f"{tag}-{n}-".ljust(size - 1, tag[0]).encode() + b"\\n"
    append_line(path, line, drop_cut=True)
    print(line.decode(), end="", flush=False)
"""


UNDER_WAY = """
import errno, fcntl, os, sys
from pathlib import Path
from exsampling_patch.journal_lines import append_line

def refused(fd, operation):
    raise OSError(errno.ENOLCK, "no locks here")

fcntl.flock = refused
path = Path(sys.argv[1])
other = os.open(path, os.O_WRONLY | os.O_APPEND)  # the other appender's write, as the kernel shows it meanwhile
real_lseek, real_write = os.lseek, os.write

def look(fd, pos, how):
    if how == os.SEEK_END and fd != other:  # our look at the end: the other's line half copied in
        os.lseek = real_lseek
        real_write(other, b"the")
    return real_lseek(fd, pos, how)

def write(fd, data):
    if fd != other:  # its rest lands before ours: a write holds the file's inode lock throughout
        os.write = real_write
        real_write(other, b"irs\\n")
    return real_write(fd, data)

os.lseek, os.write = look, write
append_line(path, b"take-2\\n", drop_cut=True)
"""


def test_a_line_under_way_at_the_look_is_left_whole(tmp_path: Path) -> None:
    """The seam the stress test hits by chance, every time: the look at the end sees another's line half written."""
    store = TakeStore(tmp_path)
    store.mark_done("take-1")
    subprocess.run([sys.executable, "-c", UNDER_WAY, str(tmp_path / ".processed")], check=True, timeout=DEADLINE,
                   cwd=Path(__file__).resolve().parents[2])
    assert (tmp_path / ".processed").read_bytes() == b"take-1\ntheirs\n\ntake-2\n"  # not b"take-1\n\n\n\nirs\n..."
    assert store.processed_ids() == {"take-1", "theirs", "take-2"}


def test_two_lockless_appenders_lose_no_line(tmp_path: Path) -> None:
    journal = tmp_path / ".processed"
    journal.write_bytes(b"")
    root = Path(__file__).resolve().parents[2]
    runs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(journal), tag, str(APPENDS), str(LINE)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
            for tag in ("a", "b")]
    try:
        for run in runs:
            assert run.stdin is not None
            run.stdin.write("go\n")
            run.stdin.flush()
        told = [run.communicate(timeout=DEADLINE * 2)[0] for run in runs]
    finally:
        for run in runs:
            run.kill()
            run.wait(timeout=DEADLINE)
    assert all(run.returncode == 0 for run in runs)
    written = [line for out in told for line in out.splitlines()]
    assert len(written) == 2 * APPENDS
    left = [line for line in journal.read_text().split("\n") if line]
    missing = set(written) - set(left)
    assert not missing, f"{len(missing)} of {len(written)} lines lost"
    assert sorted(left) == sorted(written), "a fragment of a line was left as a line of its own"


def test_a_dead_fragment_is_still_blanked_under_the_lock(tmp_path: Path) -> None:
    """``take-1`` of ``take-12``, cut short and its take-back failed: ended, take-1 would read as done, never passed
    on. Nothing landed between the look and the append's own write, so it was no write under way: blanked."""
    journal = tmp_path / ".processed"
    journal.write_bytes(b"take-2\ntake-1")
    store = TakeStore(tmp_path)
    store.mark_done("take-3")
    assert journal.read_bytes() == b"take-2\n" + b"\n" * 7 + b"take-3\n"
    assert store.processed_ids() == {"take-2", "take-3"}
