"""With ``rotate_token`` on, a live edit that rebuilds the recorder (same state folder, one parameter changed) goes on
with the run's token: a rotation is one per run (a new show), not one per edit.

Before, each rebuild rotated the token again and every phone paired this run was refused (401) mid-show. Real HTTPS
recorders run by an engine, the edit made with engine.update; a new run (a new engine's start) still rotates."""

from __future__ import annotations

import shutil
from pathlib import Path

from exsampling_patch.nodes.web_recorder.tls import TOKEN_NAME

from .conftest import probed_recorder, rec_of, recorder_engine


def test_a_live_edit_keeps_the_rotated_token_and_a_new_run_rotates(tmp_path: Path, recorder_state: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(recorder_state, state)  # its certificate made once for the tests
    engine = recorder_engine(tmp_path, state, rotate_token=True)
    try:
        before = rec_of(engine).server.token
        assert engine.update(probed_recorder(tmp_path, state, rotate_token=True, max_upload_mb=99)) is not None
        after = rec_of(engine).server.token
    finally:
        engine.stop()
    assert after == before
    assert (state / TOKEN_NAME).read_text().strip() == before
    again = recorder_engine(tmp_path, state, rotate_token=True)
    try:
        assert rec_of(again).server.token != before
    finally:
        again.stop()
