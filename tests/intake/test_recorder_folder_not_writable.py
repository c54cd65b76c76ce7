"""A web recorder's take folder that is there but cannot be written (a card's lock switch, a disk mounted read-only,
permissions), found at the start or by a take's write mid-show.

Before, it was told on the node only: the page said nothing, and each upload was answered 500 ("could not be stored"),
while a take folder that cannot be made had its page say why and each upload refused 507 with that reason. Now both
read alike: the page says the recorder cannot store takes and why, each upload is refused 507 (the phone keeps the
take), and once the folder can be written the next upload is stored, the notice and the error gone.

Locked by its mode without root; as root (which writes whatever the mode) by a tmpfs mounted read-only on it, skipped
only where that mount fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, probe_of, recorder_engine, sine
from .test_recorder_folder_not_made import _not_storing


@pytest.fixture
def lockable(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None], Callable[[], None]]]:
    """The take folder ``tmp_path/takes``, made and writable, and how to lock and unlock it."""
    folder = tmp_path / "takes"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder, lambda: folder.chmod(0o555), lambda: folder.chmod(0o755)
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root, a folder's mode does not stop a write, and mounting a tmpfs failed")

    def remount(mode: str) -> Callable[[], None]:
        def run() -> None:
            done = subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"remounting the tmpfs {mode} failed: {done.stderr.strip()}")
        return run

    try:
        yield folder, remount("ro"), remount("rw")
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def _refused_then_stored(engine: object, client: Client, folder: Path, unlock: Callable[[], None],
                         taken: int, said: str) -> None:
    """Uploads to the recorder of ``engine``, whose take folder ``folder`` is locked, refused 507 with why, and stored
    once ``unlock``: the page's notice and the node's error (``said`` in it) gone. ``taken``: the takes received
    before."""
    why = f"its take folder {folder} cannot be written ("
    page, followed = _not_storing(client)
    assert page == followed and page.startswith(f"The recorder cannot store takes: {why}"), page
    wav = encode_wav_pcm16(sine(), 48000)
    status, reply = client.upload(wav, take_id="locked-1")
    assert status == 507 and f"the recorder cannot store takes: {why}" in reply["error"], reply
    assert "kept on the phone" in reply["error"], reply
    assert len(probe_of(engine).received) == taken  # type: ignore[arg-type]
    assert said in engine.errors.get("rec", ""), engine.errors  # type: ignore[attr-defined]
    assert engine.status_snapshot()["rec"]["held_on_phones"] == 1  # type: ignore[attr-defined]
    unlock()
    assert client.upload(wav, take_id="locked-1")[0] == 201
    assert len(probe_of(engine).wait_for(taken + 1)) == taken + 1  # type: ignore[arg-type]
    assert "rec" not in engine.errors, engine.errors  # type: ignore[attr-defined]
    assert _not_storing(client) == ("", "")
    assert engine.status_snapshot()["rec"]["held_on_phones"] == 0  # type: ignore[attr-defined]


def test_a_take_folder_not_writable_at_the_start(tmp_path: Path, recorder_state: Path,
                                                 lockable: tuple[Path, Callable[[], None], Callable[[], None]]) -> None:
    folder, lock, unlock = lockable
    lock()
    engine = recorder_engine(tmp_path, recorder_state, check=False, warn_free_mb=0.0, min_free_mb=0.0)
    try:
        _refused_then_stored(engine, Client(engine, recorder_state / "recorder-cert.pem"), folder, unlock, 0,
                             f"the take folder {folder} cannot be written (")
    finally:
        engine.stop()


def test_a_take_folder_locked_mid_show(tmp_path: Path, recorder_state: Path,
                                       lockable: tuple[Path, Callable[[], None], Callable[[], None]]) -> None:
    folder, lock, unlock = lockable
    engine = recorder_engine(tmp_path, recorder_state, warn_free_mb=0.0, min_free_mb=0.0)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="before")[0] == 201
        assert len(probe_of(engine).wait_for(1)) == 1
        assert _not_storing(client) == ("", "")
        lock()
        status, reply = client.upload(encode_wav_pcm16(sine(), 48000), take_id="locked-1")  # sent again below
        assert status == 507 and f"its take folder {folder} cannot be written (" in reply["error"], reply
        _refused_then_stored(engine, client, folder, unlock, 1,
                             f"a take from a phone could not be stored in {folder}: ")
    finally:
        engine.stop()
