"""The web recorder's temporary files in the take folder name their writer's pid (``.NAME.PID-XXXXXXXX.part``), as
every other store's do: a killed writer's go at the next start at once, where its fixed names (``.NAME.part``) went
only once 10 minutes old (a writer could not be told apart from one still at work). A take whose storing a kill cut
between its two renames is still completed and passed on, whatever process its pid names now (a power cut).

The writers are real processes storing an upload with ``store_upload``, held before one of its renames (a wrapper
that waits on its stdin, then renames as asked) and killed there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder.store import store_upload
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import TakeStore, sidecar_path

from .conftest import probe_of, recorder_engine

WRITER = textwrap.dedent("""
    import os
    import sys
    from pathlib import Path

    import numpy as np

    from exsampling_patch.messages import Take
    from exsampling_patch.nodes.web_recorder.store import store_upload
    from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
    from exsampling_patch.takes import TakeStore

    folder, held, take_id = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]  # held before rename 1 (audio) or 2
    replace, renames = os.replace, []

    def held_replace(source, target):
        renames.append(target)
        if len(renames) == held:
            print("held", flush=True)
            sys.stdin.read()  # until killed
        replace(source, target)

    os.replace = held_replace
    samples = (0.5 * np.sin(np.arange(19200) * 0.05)).astype(np.float32)
    take = Take(samples, 48000, take_id=take_id, source="Phone 1", meta={"recorder": "Phone 1"})
    store_upload(take, encode_wav_pcm16(samples, 48000), TakeStore(folder).path_for(take))
""")


def killed_storing(folder: Path, held: int, take_id: str) -> int:
    """Store a take in ``folder`` from a process killed before its rename ``held`` (1: the audio's, 2: the
    sidecar's); returns the writer's pid."""
    folder.mkdir(exist_ok=True)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), str(held), take_id], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "held\n"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    return writer.pid


def parts(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob(".*.part"))


def test_a_writer_killed_before_its_renames_leaves_files_the_next_start_removes_at_once(
        tmp_path: Path, recorder_state: Path) -> None:
    takes = tmp_path / "takes"
    pid = killed_storing(takes, 1, "take-cut")
    left = parts(takes)
    assert len(left) == 2 and all(name.startswith((f".take-cut.wav.{pid}-", f".take-cut.wav.json.{pid}-"))
                                  for name in left), left
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        assert engine.wait_idle(settle=0.1)
        assert probe_of(engine).received == []  # nothing was stored: its phone sends it again
    finally:
        engine.stop()
    assert parts(takes) == []  # young, but its writer has ended
    assert sorted(path.name for path in takes.iterdir() if not path.name.startswith(".")) == []


def test_a_take_killed_between_its_renames_is_completed_and_passed_on(tmp_path: Path, recorder_state: Path) -> None:
    takes = tmp_path / "takes"
    pid = killed_storing(takes, 2, "take-half")
    [sidecar_part] = parts(takes)
    assert sidecar_part.startswith(f".take-half.wav.json.{pid}-") and (takes / "take-half.wav").is_file()
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        (take,) = probe_of(engine).wait_for(1)
        assert take.take_id == "take-half" and take.meta["recovered"] is True
    finally:
        engine.stop()
    assert (takes / "take-half.wav.json").is_file() and parts(takes) == []


def test_a_half_renamed_take_whose_writers_pid_runs_again_is_completed(tmp_path: Path,
                                                                      recorder_state: Path) -> None:
    """After a power cut the writer's pid may name a process started since: its take is completed all the same (left
    until that pid were free, it might wait for ever)."""
    takes = tmp_path / "takes"
    killed_storing(takes, 2, "take-cut-power")
    [sidecar_part] = parts(takes)
    running = f".take-cut-power.wav.json.{os.getpid()}-abcdefgh.part"  # a pid that runs: this test's
    (takes / sidecar_part).rename(takes / running)
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        (take,) = probe_of(engine).wait_for(1)
        assert take.take_id == "take-cut-power" and take.meta["recovered"] is True
    finally:
        engine.stop()
    assert (takes / "take-cut-power.wav.json").is_file() and parts(takes) == []


def test_a_sidecar_that_cannot_be_renamed_into_place_leaves_no_audio_behind(tmp_path: Path) -> None:
    """The sidecar's rename failing after the audio's left the audio in place alone: a take no sidecar lists, never
    passed on, while the phone, told it was not stored, sent it again and had it stored as a fresh take."""
    store = TakeStore(tmp_path / "takes")
    samples = (0.5 * np.sin(np.arange(19200) * 0.05)).astype(np.float32)
    take = Take(samples, 48000, take_id="take-no-sidecar", source="Phone 1", meta={"recorder": "Phone 1"})
    path = store.path_for(take)
    sidecar_path(path).mkdir()  # the sidecar's final name is taken: its rename fails, after the audio's
    with pytest.raises(OSError):
        store_upload(take, encode_wav_pcm16(samples, 48000), path)
    assert not path.exists() and parts(store.folder) == []
    sidecar_path(path).rmdir()  # the phone's retry, once the name is free, stores it whole
    stored = store_upload(take, encode_wav_pcm16(samples, 48000), path)
    assert [(found, data["take_id"]) for found, data in store.unfinished()] == [(path, "take-no-sidecar")]
    assert stored.path == path and parts(store.folder) == []
