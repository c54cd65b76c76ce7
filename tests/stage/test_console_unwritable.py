"""``exsampling run`` on a console that cannot take its lines (stderr on a full disk; a console stream that refuses a
character, or is closed): the show goes on, each such line goes to the log, and the console says once, where it still
can (else the log), that lines could not be written and why. A print raised: "running ..." ended the run with exit
status 1, and other lines were lost without a word (the engine logged the observer's traceback only)."""

from __future__ import annotations

import io
import logging
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from tests.stage.helpers import EXE
from tests.stage.test_exit import folder_patch

NOTICE = "warning: console lines could not be written ("


@pytest.mark.parametrize("log", ["-", "unwritable"])
def test_a_full_console_does_not_end_the_run(tmp_path: Path, log: str) -> None:
    """``log``: the log on the terminal (``--log -``), or a ``--log`` that cannot be written, said on the terminal
    before the console begins: Python's own stderr, here on /dev/full, in both. Takes still flow, their lines lost."""
    patch = folder_patch(tmp_path)
    where = "-" if log == "-" else str(patch / "run.log")  # under a file: no folder can be made there
    with open("/dev/full", "w") as full:  # every write: ENOSPC
        process = subprocess.Popen([*EXE, "run", str(patch), "--show-log", "none", "--log", where],
                                   stdout=subprocess.PIPE, stderr=full, text=True)
    try:
        # A file in the inbox before the folder source's start is left alone, and the console cannot say when it
        # started: files come until one is stored (or the run has ended: it did, at its first line, before the fix).
        (tmp_path / "inbox").mkdir(exist_ok=True)
        deadline, count = time.monotonic() + 60, 0
        while process.poll() is None and not any((tmp_path / "library").glob("*.wav")) and time.monotonic() < deadline:
            count += 1
            sf.write(tmp_path / "inbox" / f"take{count}.wav", np.full(4800, 0.1, np.float32), 48000)
            time.sleep(0.1)  # a pace for the files, not a wait on the run: the loop polls for the stored take
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, out  # 1: the first print to stderr raised out of the run
    assert any((tmp_path / "library").glob("*.wav"))
    assert out == "", out  # nothing of the console went elsewhere


def test_a_console_that_refuses_a_line_says_so_once_and_the_log_has_the_lines(
        caplog: pytest.LogCaptureFixture) -> None:
    """A console stream that can write ASCII alone: the lines it refuses are in the log, it says why once, and it
    still takes the lines it can."""
    raw = io.BytesIO()
    err = io.TextIOWrapper(raw, encoding="ascii", errors="strict", write_through=True)
    console = StageConsole(Patch(), err=err)
    with caplog.at_level(logging.WARNING):
        for line in ("12:00:01 café.wav from inbox: stored", "12:00:02 kick.wav from inbox: stored",
                     "12:00:03 crème.wav from inbox: stored"):
            console.say(line)  # raised out of say() before
    said = raw.getvalue().decode("ascii")
    assert said.count(NOTICE) == 1, said
    assert "UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9'" in said, said
    assert "12:00:02 kick.wav from inbox: stored" in said, said
    logged = [record.getMessage() for record in caplog.records]
    assert "not on the console: 12:00:01 café.wav from inbox: stored" in logged, logged
    assert "not on the console: 12:00:03 crème.wav from inbox: stored" in logged, logged


def test_a_closed_console_says_it_once_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err.close()
    console = StageConsole(Patch(), err=err)
    with caplog.at_level(logging.WARNING):
        console.say("12:00:01 one.wav from inbox: stored")
        console.say("12:00:02 two.wav from inbox: stored")
    logged = [record.getMessage() for record in caplog.records]
    assert sum(message.startswith(NOTICE + "ValueError") for message in logged) == 1, logged
    assert "not on the console: 12:00:02 two.wav from inbox: stored" in logged, logged
