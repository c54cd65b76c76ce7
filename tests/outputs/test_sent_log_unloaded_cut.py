"""``ableton_live``'s list of the loads Live never got (:func:`write_unloaded`), replaced only once whole on disk.

It was written to a part file and renamed over the list with nothing flushed (a power cut could leave it empty or
short: the takes Live never got were lost), and a write that failed (a full disk) left its part file in the folder.
Now the part file is flushed before the rename, the folder after it, and a failure removes the part file, the old
list left whole. A file size limit cuts the new file short, for real (in a child process, where the write past it
fails, EFBIG, as on a full disk); the power cut itself cannot be made here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exsampling_patch.nodes.sent_log import read_unloaded, write_unloaded

from .test_sent_log_cut import LIMITED

OLD = [{"name": "kick", "key": "take-1\tBD", "args": ["take-1", 1]}]
NEW = [{"name": f"slot-{n}", "key": f"take-{n}\tHH", "args": [f"take-{n}", n, "x" * 40]} for n in range(40)]
WRITE = """
import json, sys
from pathlib import Path
from exsampling_patch.nodes.sent_log import write_unloaded

try:
    write_unloaded(Path(sys.argv[1]), json.loads(sys.argv[2]))
except OSError as error:
    print(error.errno)
"""


def old_list(tmp_path: Path) -> Path:
    path = tmp_path / ".unloaded-live.jsonl"
    write_unloaded(path, OLD)
    return path


def test_the_list_is_replaced_whole(tmp_path: Path) -> None:
    path = old_list(tmp_path)
    write_unloaded(path, NEW)
    assert read_unloaded(path) == (NEW, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_write_cut_short_leaves_the_old_list_whole_and_no_part_file(tmp_path: Path) -> None:
    path = old_list(tmp_path)
    before = path.read_bytes()
    room = 200  # the new list is about 3 kB: cut well inside it
    done = subprocess.run([sys.executable, "-c", LIMITED, str(room), sys.executable, "-c", WRITE, str(path),
                           json.dumps(NEW)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done
    assert done.stdout.strip() == "27", done  # EFBIG raised to the caller, which tells it on the node
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "the part file stayed"
