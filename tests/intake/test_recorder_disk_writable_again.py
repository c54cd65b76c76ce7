"""A web recorder's take folder that could not be written, made writable again, takes the next take and its error
ends, told once on the console, as a full disk's does once there is room.

Before, the error ("the take folder ... cannot be written") stood on the node until it was rebuilt: the card's lock
switch flipped back, takes stored again, the editor still showed the recorder in error.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, recorder_console, recorder_engine, sine


@pytest.fixture
def locked_takes(tmp_path: Path) -> Iterator[Any]:
    """``tmp_path/takes``, which cannot be written, and how to make it writable: a read-only tmpfs remounted
    read-write as root (root ignores a folder's mode, as on a stage laptop's card with its lock switch), or the
    folder's mode without root."""
    folder = tmp_path / "takes"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield lambda: folder.chmod(0o755)
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=4m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs failed")

    def unlock() -> None:
        done = subprocess.run(["mount", "-o", "remount,rw", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"remounting the tmpfs read-write failed: {done.stderr.strip()}")

    try:
        yield unlock
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("sent_while_locked", [True, False], ids=["take-refused-first", "told-at-start-only"])
def test_a_take_folder_made_writable_ends_its_error_at_the_next_take(tmp_path: Path, recorder_state: Path,
                                                                     locked_takes: Any,
                                                                     sent_while_locked: bool) -> None:
    """Its error told by the start's check, or since by a take refused (its phone keeps it, answered 507)."""
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, check=False, events=events, warn_free_mb=0.0,
                             min_free_mb=0.0)
    folder = tmp_path / "takes"
    try:
        assert f"the take folder {folder} cannot be written (" in engine.errors.get("rec", ""), engine.errors
        client = Client(engine, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        if sent_while_locked:
            assert client.upload(wav, take_id="t1")[0] == 507  # still locked: its phone keeps it
            assert f"the take folder {folder} cannot be written (" in engine.errors.get("rec", ""), engine.errors
        locked_takes()
        assert client.upload(wav, take_id="t1")[0] == 201
        assert list(folder.glob("*.wav")), list(folder.iterdir())  # stored, for real
        assert "rec" not in engine.errors, engine.errors
        assert client.upload(wav, take_id="t2")[0] == 201
    finally:
        engine.stop()
    said = [line for line in recorder_console(events).splitlines() if "can be written again" in line]
    assert len(said) == 1 and said[0].endswith(f"the take folder {folder} can be written again"), said
