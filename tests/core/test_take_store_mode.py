"""A stored take's audio and sidecar (a microphone's take store, the take_writer node) are made as any file a program
writes is: 0666 less the process's umask. They were 0600 (``tempfile.mkstemp``'s, kept by the rename), and an
unchanged microphone take goes to Live as its own file: a Live running as another user could not open it.
``write_atomic``'s own files stay 0600 (a pairing token is written through it).

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
    from exsampling_patch.nodes.storage import TakeWriter
    from exsampling_patch.nodes.take_files import TakeFiles
    from exsampling_patch.takes import TakeStore, write_atomic

    os.umask(int(sys.argv[2], 8))
    folder = Path(sys.argv[1])
    take = Take(np.full((64, 1), 0.25, np.float32), 44100)
    heard = TakeStore(folder / "mic").store(take, subtype="FLOAT")  # as the microphone stores its takes
    writer = TakeWriter("store", {"folder": str(folder / "stored")})
    writer.start()
    writer.on_take(take)  # the take's own subtype, PCM_16: written by libsndfile
    writer.stop()
    (_, written), = writer.context.emitted
    live = TakeFiles(folder / "live").path_for(heard)  # unchanged: Live is given the take's own file
    write_atomic(folder / "private.txt", lambda tmp: tmp.write_text("token", encoding="utf-8"), durable=False)
    print(json.dumps([str(heard.path), str(written.path), str(live)]))
""")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_stored_takes_follow_the_umask(tmp_path: Path, umask: int) -> None:
    done = subprocess.run([sys.executable, "-c", WRITER, str(tmp_path), f"{umask:o}"], capture_output=True, text=True,
                          check=True)
    heard, written, live = (Path(p) for p in json.loads(done.stdout))
    assert live == heard and heard.parent == tmp_path / "mic" and written.parent == tmp_path / "stored"
    for audio in (heard, written):
        assert _mode(audio) == 0o666 & ~umask, audio
        assert _mode(audio.with_name(audio.name + ".json")) == 0o666 & ~umask, audio  # its sidecar
        assert not list(audio.parent.glob(".*.part"))
    assert _mode(tmp_path / "private.txt") == 0o600  # write_atomic's own stay private
