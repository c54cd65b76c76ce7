"""A show log that cannot write the audio of any take (its disk full) says so once, not once per take.

Found running the default patch with its show log on a 64 kB tmpfs (2026-12-05): a burst of 30 takes gave 31
"warning: show log ...: could not write to it" lines, each "(told once)": libsndfile's error names its file
("Error opening '<take>.wav': System error."), and each text was a kind of its own. Here each take's audio file is
a dangling link, so that opening it fails as the full disk did, a file at a time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import MessageHop
from exsampling_patch.runtime.showlog import ShowLog


def test_every_takes_audio_failing_alike_is_told_once(tmp_path: Path) -> None:
    patch = Patch(nodes={"sampler": NodeSpec("sampler", "sampler")})
    told: list[str] = []
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=["sampler"], on_problem=told.append)
    show.audio_dir.mkdir()
    for n in range(3):
        (show.audio_dir / f"take{n}.wav").symlink_to(tmp_path / "gone" / f"take{n}.wav")
        take = Take(np.full(480, 0.1, np.float32), 48000, take_id=f"take{n}")
        show(MessageHop("map", port="slot", target="sampler", target_port="assign",
                        message=SlotAssignment("HH", take, "hat", 0.9)))
    show.close()
    assert told == [f"could not write to it: System error. (Error opening "
                    f"'{show.audio_dir / 'take0.wav'}'); what it missed is not in the log, and a replay of this "
                    "show lacks it (told once)"], told


def control_hop(value: float) -> MessageHop:
    return MessageHop("ctl", port="out", target="sampler", target_port="control",
                      message=ControlValue("HH.gain", value))


def test_a_full_log_disk_is_told_once_in_words_and_the_log_writes_again_once_there_is_room(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: each line that failed was logged with its traceback (log.exception), 20 a second while a sampler
    played. ``exsampling run``'s library log (descriptor 2: run.log) is on the same full disk as a rule: its handler's
    write failed too, and Python printed "--- Logging error ---" and a traceback to the terminal, per line."""
    full_disk = open("/dev/full", "w")  # noqa: SIM115  # the library log, on the same full disk
    handler = logging.StreamHandler(full_disk)
    handler.setLevel(logging.WARNING)  # as `exsampling run` without -v
    logging.getLogger().addHandler(handler)
    try:
        told, polled = _show_on_a_full_disk(tmp_path)
    finally:
        logging.getLogger().removeHandler(handler)
        with contextlib.suppress(OSError):  # what the handler could not write is still to flush
            full_disk.close()
    err = capsys.readouterr().err
    assert "Logging error" not in err and "Traceback" not in err, err
    assert told == ["could not write to it: No space left on device; what it missed is not in the log, and a replay "
                    "of this show lacks it (told once)"]
    assert polled >= 5
    lines = [json.loads(line) for line in (tmp_path / "show.jsonl").read_text().splitlines()]
    assert lines[0]["event"] == "show"
    assert {"event": "control", "sampler": "sampler", "name": "HH.gain", "value": 0.75} in [
        {k: v for k, v in line.items() if k != "t"} for line in lines]  # written once there was room again


def _show_on_a_full_disk(tmp_path: Path) -> tuple[list[str], int]:
    """A show log whose disk fills after its header line, with control lines and a sampler's played lines failing to
    write for a few of its polls; then room again, and one more control line. What it told, and the polls."""
    patch = Patch(nodes={"sampler": NodeSpec("sampler", "sampler")})
    told: list[str] = []
    polls = 0
    enough = threading.Event()

    def played() -> list[dict[str, Any]]:
        nonlocal polls
        polls += 1
        if polls >= 5:
            enough.set()
        return [{"type": "xrun", "count": polls, "frame": 512 * polls}]

    show = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=["sampler"], on_problem=told.append)
    fd = show._file.fileno()
    room = os.dup(fd)
    full = os.open("/dev/full", os.O_WRONLY)
    os.dup2(full, fd)  # the disk under the log is full from now on
    os.close(full)
    try:
        for n in range(3):
            show(control_hop(0.1 * n))
        show.watch("sampler", played)
        assert enough.wait(10)
        show.watch("sampler", list)  # the sampler plays nothing more
        polled = polls
    finally:
        os.dup2(room, fd)  # room again
        os.close(room)
    show(control_hop(0.75))
    show.close()
    return told, polled
