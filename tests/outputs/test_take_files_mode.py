"""The copies of takes written for Live were mode 0600 (``tempfile.mkstemp``'s, kept by the rename): a Live running as
another user, reading a shared folder, could not open them. They are now made as any file a program writes is: 0666
less the process's umask. The store's own temporary files stay private (a pairing token is written through them).

Real files, written by a real process under the umask it is given."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WRITER = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    import numpy as np
    from exsampling_patch.messages import Take
    from exsampling_patch.nodes.take_files import TakeFiles
    from exsampling_patch.takes import write_atomic

    os.umask(int(sys.argv[2], 8))
    folder = Path(sys.argv[1])
    files = TakeFiles(folder)
    ahead = Take(np.full((64, 1), 0.25, np.float32), 44100)
    files.write_ahead(ahead)
    later = Take(np.full((64, 1), 0.5, np.float32), 44100)
    paths = [files.path_for(ahead), files.path_for(later)]  # one written ahead, one written when assigned
    for path in paths:
        files.assigned("1", path)
    write_atomic(folder / "private.txt", lambda tmp: tmp.write_text("token", encoding="utf-8"), durable=False)
    print(json.dumps([str(p) for p in paths]))
""")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_copies_for_live_follow_the_umask(tmp_path: Path, umask: int) -> None:
    live = tmp_path / "live"
    done = subprocess.run([sys.executable, "-c", WRITER, str(live), f"{umask:o}"], capture_output=True, text=True,
                          check=True)
    copies = [Path(p) for p in json.loads(done.stdout)]
    assert len(set(copies)) == 2
    for copy in copies:
        assert copy.parent == live
        assert _mode(copy) == 0o666 & ~umask, copy
        assert _mode(copy.with_name(copy.name + ".json")) == 0o666 & ~umask, copy  # its sidecar
    assert _mode(live / "private.txt") == 0o600  # write_atomic's own stay private
    assert not list(live.glob(".*.part"))
