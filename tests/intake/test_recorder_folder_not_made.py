"""A web recorder whose take folder or state folder cannot be made (a file where the folder should be, a read-only
disk above it) starts all the same.

Before, its start failed: no page was served, so the phones could not even learn why, while a take folder there but
not writable left it running and refusing takes with a reason. Now its page says it cannot store takes and why, each
upload is refused with that reason (507: the phone keeps the take; nothing is accepted that is not on disk), the error
stands on the node, and once the folder can be made the next upload is stored and the error ends. A state folder
that cannot be made leaves the certificate, token and phones' lists to a temporary folder for this run, told.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, rec_of, recorder_console, recorder_engine, sine


def _not_storing(client: Client) -> tuple[str, str]:
    """What the page says of storing takes, as loaded and as followed (the take list's settings)."""
    status, page = client.request("GET", "/")
    assert status == 200
    config = json.loads(page.split(b"window.RECORDER_CONFIG = ", 1)[1].split(b";</script>", 1)[0])
    status, listed = client.request("GET", "/api/takes")
    assert status == 200
    return config.get("notStoring", ""), listed["config"].get("notStoring", "")


def _refused_then_stored(recorder_state: Path, folder: Path, said: str, why: str,
                         make_room: Callable[[], None]) -> None:
    """``folder``: the take folder, ``takes`` in the patch's folder; ``said``: on the node, ``why``: to the phone."""
    events: list[Any] = []
    engine = recorder_engine(folder.parent, recorder_state, check=False, events=events, warn_free_mb=0.0,
                             min_free_mb=0.0)
    try:
        error = engine.errors.get("rec", "")
        assert said in error and "takes from phones are refused until it can be made" in error, engine.errors
        client = Client(engine, recorder_state / "recorder-cert.pem")
        page, followed = _not_storing(client)
        assert page == followed and page.startswith(f"The recorder cannot store takes: {why}"), page
        wav = encode_wav_pcm16(sine(), 48000)
        status, reply = client.upload(wav, take_id="t1")
        assert status == 507 and f"the recorder cannot store takes: {why}" in reply["error"], reply
        assert probe_of(engine).received == [] and "rec" in engine.errors  # nothing accepted: nothing on disk
        assert engine.status_snapshot()["rec"]["held_on_phones"] == 1
        make_room()
        assert client.upload(wav, take_id="t1")[0] == 201
        assert [path.name for path in folder.glob("*.wav")], list(folder.iterdir())  # stored, for real
        assert len(probe_of(engine).wait_for(1)) == 1
        assert "rec" not in engine.errors, engine.errors
        assert _not_storing(client) == ("", "")
        assert engine.status_snapshot()["rec"]["held_on_phones"] == 0
    finally:
        engine.stop()
    told = [line for line in recorder_console(events).splitlines() if "can be written again" in line]
    assert len(told) == 1, recorder_console(events)


def test_a_file_where_the_take_folder_should_be(tmp_path: Path, recorder_state: Path) -> None:
    folder = tmp_path / "takes"
    folder.write_text("not a folder", encoding="utf-8")
    _refused_then_stored(recorder_state, folder, f"the folder of parameter 'folder', {folder}, is a file",
                         f"its take folder {folder} cannot be made: {folder} is a file", folder.unlink)


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A folder nothing can be made in, and how to unlock it: a read-only tmpfs remounted read-write as root (root
    ignores a folder's mode), or the folder's mode without root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder, lambda: folder.chmod(0o755)
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
        yield folder, unlock
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_take_folder_on_a_locked_disk(recorder_state: Path,
                                        locked: tuple[Path, Callable[[], None]]) -> None:
    above, unlock = locked
    folder = above / "takes"
    _refused_then_stored(recorder_state, folder, f"the folder of parameter 'folder', {folder}, cannot be "
                         "made or written (", f"its take folder {folder} cannot be made (", unlock)


def test_a_state_folder_that_cannot_be_made(tmp_path: Path, spare_temp: Path) -> None:
    state = tmp_path / "state"
    state.write_text("not a folder", encoding="utf-8")
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        error = engine.errors.get("rec", "")
        assert error.startswith(f"the folder of parameter 'state_folder', {state}, is a file"), engine.errors
        spare = rec_of(engine)._spare
        assert spare is not None and spare.parent == spare_temp and f"for this run only, in {spare}" in error
        client = Client(engine, spare / "recorder-cert.pem")
        assert _not_storing(client) == ("", "")
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="t1")[0] == 201
        assert len(probe_of(engine).wait_for(1)) == 1
    finally:
        engine.stop()
    assert not spare.exists()
