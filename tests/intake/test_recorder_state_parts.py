"""A kill while the recorder wrote a file of its state folder (the table of acknowledged takes, the certificate, its
key, the pairing token) left its temporary ``.part`` file there for ever: nothing swept the folder, and the
certificate's and token's had fixed names, so a leftover could not be told from a file another run was writing.
They now name their writer's pid, as a take folder's do, and the recorder's start removes those whose writer has
ended; one a running process is writing stays.

The writers are real processes: each leaves one temporary file of each kind, as a kill before the rename does, and
is then held writing the table's, as long as it runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
from exsampling_patch.nodes.web_recorder.tls import STATE_FILES, load_token
from exsampling_patch.takes import LEFTOVER_AGE

from .conftest import recorder_engine

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
    from exsampling_patch.nodes.web_recorder.tls import STATE_FILES, _part
    from exsampling_patch.takes import write_atomic

    folder = Path(sys.argv[1])
    for name in STATE_FILES:
        _part(folder, name)  # never renamed

    def hold(tmp):
        tmp.write_text("{", encoding="utf-8")
        print("writing", flush=True)
        sys.stdin.read()  # until killed

    write_atomic(folder / SEEN_FILE, hold, durable=False)
""")


def writer(state: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(state)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    return process


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Two writers of ``tmp_path``/state, each holding its temporary files; killed at the end if still running."""
    state = tmp_path / "state"
    state.mkdir()
    processes = [writer(state), writer(state)]
    yield processes
    for process in processes:
        process.kill()
        process.wait()


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def test_a_recorder_start_removes_a_killed_writers_temporary_state_files_and_keeps_a_running_ones(
        tmp_path: Path, writers: list[subprocess.Popen[str]]) -> None:
    state = tmp_path / "state"
    killed, running = writers
    theirs = {process.pid: [p for p in parts(state) if f".{process.pid}-" in p.name] for process in writers}
    assert all(len(files) == 4 for files in theirs.values()), parts(state)  # pid-named: the state's three, the table
    names = {p.name.split(f".{killed.pid}-")[0] for p in theirs[killed.pid]}
    assert names == {f".{name}" for name in (SEEN_FILE, *STATE_FILES)}
    old = time.time() - LEFTOVER_AGE - 60
    before_pids = [state / ".recorder-cert.pem.part", state / ".token.part"]  # fixed names, as written before
    for part in before_pids:
        part.write_text("-", encoding="utf-8")
    os.utime(before_pids[0], (old, old))  # old enough: no writer still writes it; the other may be
    other = state / f".notes.txt.{killed.pid}-abcdefgh.part"  # no file of the recorder's: not its to remove
    other.write_text("-", encoding="utf-8")
    killed.kill()
    killed.wait()

    engine = recorder_engine(tmp_path, state, https=False)
    engine.stop()
    assert parts(state) == sorted([*theirs[running.pid], before_pids[1], other])

    running.kill()
    running.wait()
    engine = recorder_engine(tmp_path, state, https=False)
    engine.stop()
    assert parts(state) == sorted([before_pids[1], other])


def test_a_token_written_leaves_no_temporary_file_and_is_for_its_owner_only(tmp_path: Path) -> None:
    token = load_token(tmp_path, rotate=True)
    assert (tmp_path / "token").read_text(encoding="utf-8") == token + "\n"
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600 and parts(tmp_path) == []
