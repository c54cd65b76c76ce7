"""A web recorder whose state folder can be written but one of whose files cannot (left read-only, or root's after a
``sudo`` run, or locked) starts all the same, on a copy of its state, as on a state folder that cannot be written.

Before, the start's try of the folder (a nameless new file) passed, and the start then failed opening the file to
append to it: no page, no QR code. Now the files it appends to are tried too, and such a start runs on a private
temporary copy of the folder's files, told with the file's name: the phones keep their certificate and pairing token,
and a phone's retry of a take of the last run is still its duplicate.

Locked by its mode without root; as root (which writes whatever the mode) by the file made immutable (``chattr +i``),
skipped only where that fails (a file system without it)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE
from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import last_run_take, rec_of, recorder_engine, sent_again_on_a_copy, sine


class Lock:
    """Locks a file against writes, by its mode or, as root, by making it immutable; :meth:`undo` undoes it."""

    def __init__(self) -> None:
        self.locked: list[Path] = []

    def __call__(self, path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o444)
        else:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"running as root, a file's mode does not stop a write, and chattr +i failed: "
                            f"{done.stderr.strip()}")
        self.locked.append(path)

    def undo(self) -> None:
        for path in self.locked:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            path.chmod(0o644)


@pytest.fixture
def lock() -> Iterator[Lock]:
    locking = Lock()
    try:
        yield locking
    finally:
        locking.undo()  # else the test's folder could not be removed


@pytest.mark.parametrize("name", [SEEN_FILE, ENDS_FILE])
def test_a_state_file_that_cannot_be_written(tmp_path: Path, spare_temp: Path, lock: Lock,
                                             name: str) -> None:
    state = tmp_path / "state"
    wav = encode_wav_pcm16(sine(), 48000)
    token, phone, first = last_run_take(tmp_path, state, wav)
    assert (state / name).is_file()
    lock(state / name)
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        error = engine.errors.get("rec", "")
        spare = rec_of(engine)._spare
        assert spare is not None and spare.parent == spare_temp, engine.errors
        assert (spare / name).stat().st_mode & 0o200  # its copy can be appended to, whatever its mode here
        assert error.startswith(f"the folder of parameter 'state_folder', {state}, cannot be made or written ("), error
        assert f": {state / name})" in error, error  # the file, named
        assert f"a copy of its certificate, pairing token and the phones' lists, kept for this run only, in {spare}" \
            in error, error
        again = sent_again_on_a_copy(engine, state, token, phone, wav)
    finally:
        engine.stop()
    assert not spare.exists()
    assert again[0] == 200 and again[1].get("duplicate") is True, again  # the table of takes seen, copied
    assert again[1]["take_id"] == first[1]["take_id"], again
