"""A take the web recorder stores (its audio and sidecar) is made as a microphone's is (tests/core/
test_take_store_mode.py): 0666 less the process's umask. It was 0644 less the umask: under a umask of 002 (a studio's
shared folder) the group could not write it, as it can a microphone's take.

Real files, written by a real process under the umask it is given."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

STORER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import numpy as np
    from exsampling_patch.messages import Take
    from exsampling_patch.nodes.web_recorder.store import store_upload

    os.umask(int(sys.argv[2], 8))
    wav = Path(sys.argv[3]).read_bytes()
    take = Take(np.full((64, 1), 0.25, np.float32), 44100, take_id="phone-1")
    store_upload(take, wav, Path(sys.argv[1]) / "phone-1.wav")
""")


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o027])
def test_a_stored_upload_follows_the_umask(tmp_path: Path, umask: int) -> None:
    upload = io.BytesIO()
    sf.write(upload, np.full(64, 0.25, np.float32), 44100, format="WAV", subtype="PCM_16")
    (tmp_path / "upload.wav").write_bytes(upload.getvalue())
    folder = tmp_path / "takes"
    folder.mkdir()
    subprocess.run([sys.executable, "-c", STORER, str(folder), f"{umask:o}", str(tmp_path / "upload.wav")],
                   capture_output=True, text=True, check=True)
    for stored in (folder / "phone-1.wav", folder / "phone-1.wav.json"):
        assert stat.S_IMODE(stored.stat().st_mode) == 0o666 & ~umask, stored
    assert not list(folder.glob(".*.part"))
