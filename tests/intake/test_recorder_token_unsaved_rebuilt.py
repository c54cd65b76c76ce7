"""A pairing token that could not be saved (its file immutable) holds for the whole run: a live edit that rebuilds the
recorder (same node id, one parameter changed) goes on with it.

Before, the rebuilt recorder read the short token file again and made another token, also unsaved: every phone paired
this run was refused. Real HTTPS recorders run by an engine, the edit made with engine.update. Only as root (``chattr``
needs it), skipped otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.tls import TOKEN_NAME

from .conftest import probed_recorder, rec_of, recorder_engine


@pytest.mark.skipif(os.geteuid() != 0, reason="chattr +i needs root")
def test_an_unsaved_token_outlives_a_live_edit(tmp_path: Path, recorder_state: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(recorder_state, state)  # its certificate made once for the tests
    saved = state / TOKEN_NAME
    saved.write_text("short\n")  # too short: replaced by a new token, which cannot be saved
    if subprocess.run(["chattr", "+i", str(saved)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i failed (a file system without it)")
    try:
        engine = recorder_engine(tmp_path, state, check=False)
        try:
            before = rec_of(engine).server.token
            assert engine.update(probed_recorder(tmp_path, state, max_upload_mb=99)) is not None
            after = rec_of(engine).server.token
        finally:
            engine.stop()
    finally:
        subprocess.run(["chattr", "-i", str(saved)], check=True)
    assert before != "short" and len(before) >= 16
    assert after == before
    assert saved.read_text() == "short\n"
