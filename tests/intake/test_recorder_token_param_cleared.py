"""A pairing token given as the recorder's ``token`` parameter is not handed to the recorder a live edit rebuilds: with
rotate_token on, clearing the parameter mid-show stops serving it (a leaked token is revoked).

Before, the recorder handed on whatever token it served, the parameter's too: the rebuilt one went on serving it.
Real recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import probed_recorder, rec_of, recorder_engine


def test_a_cleared_token_parameter_is_no_longer_served(tmp_path: Path, recorder_state: Path) -> None:
    state = tmp_path / "state"
    shutil.copytree(recorder_state, state)
    leaked = "explicit-token-that-leaked-0123456789"
    engine = recorder_engine(tmp_path, state, rotate_token=True, token=leaked)
    try:
        assert rec_of(engine).server.token == leaked
        assert engine.update(probed_recorder(tmp_path, state, rotate_token=True, token="")) is not None
        rotated = rec_of(engine).server.token
        # An edit of another parameter keeps the run's rotated token (the phones paired since stay paired)
        assert engine.update(probed_recorder(tmp_path, state, rotate_token=True, token="", max_seconds=50)) is not None
        kept = rec_of(engine).server.token
    finally:
        engine.stop()
    assert rotated != leaked
    assert rotated and kept == rotated
